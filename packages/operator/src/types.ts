// The TrackingServer custom resource (experiment.aloft.dev/v1alpha2) and the kinds of its children that the kube
// package does not name: Traefik's IngressRoute and Middleware.
import type { KubeObject, ResourceType } from "@aloft/kube";

export const GROUP = "experiment.aloft.dev";
export const VERSION = "v1alpha2";
export const KIND = "TrackingServer";
export const API_VERSION = `${GROUP}/${VERSION}`;
/** The finalizer the operator sets; removed only after the children are gone. */
export const FINALIZER = "experiment.aloft.dev/trackingserver";
/** On every child: the operator's informers watch only objects with this label. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "aloft-trackingserver-operator";

export const trackingServers: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: "trackingservers",
  kind: KIND,
  namespaced: true,
};

/** Where the S3 credentials live: a Secret in the TrackingServer's namespace. */
export interface CredentialsSecretRef {
  name: string;
  /** Default AWS_ACCESS_KEY_ID. */
  accessKeyIdKey?: string;
  /** Default AWS_SECRET_ACCESS_KEY. */
  secretAccessKeyKey?: string;
}

/** The seed's fields with their JSON names, plus credentialsSecretRef. */
export interface TrackingServerSpec {
  size: number;
  image: string;
  s3_endpoint_url?: string;
  /** Deprecated: use credentialsSecretRef. */
  aws_access_key?: string;
  /** Deprecated: use credentialsSecretRef. */
  aws_secret_key?: string;
  credentialsSecretRef?: CredentialsSecretRef;
  artifact_root: string;
  backend_uri: string;
  url: string;
  volumeSize?: string;
  storageClassName?: string;
  cert?: string;
  key?: string;
}

export interface Condition {
  type: "Ready" | "Progressing" | "Degraded";
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface TrackingServerStatus {
  observedGeneration?: number;
  url?: string;
  conditions?: Condition[];
}

export type TrackingServer = KubeObject & { spec: TrackingServerSpec; status?: TrackingServerStatus };

/** Which ingress the operator writes: an nginx `Ingress` or a Traefik `IngressRoute` + `Middleware`. */
export type IngressController = "nginx" | "traefik";

export function traefikTypes(group: string): { ingressRoutes: ResourceType; middlewares: ResourceType } {
  return {
    ingressRoutes: { group, version: "v1alpha1", plural: "ingressroutes", kind: "IngressRoute", namespaced: true },
    middlewares: { group, version: "v1alpha1", plural: "middlewares", kind: "Middleware", namespaced: true },
  };
}
