// The children a TrackingServer wants, as the seed builds them: PersistentVolumeClaim (volumeSize and
// storageClassName), TLS Secret (cert and key), Deployment, Service (port 5000 named "server"), and an nginx Ingress or
// a Traefik IngressRoute + StripPrefix Middleware. Pure functions: spec in, objects out.
import type { KubeObject, OwnerReference } from "@aloft/kube";
import { API_VERSION, KIND, MANAGED_BY, MANAGED_BY_LABEL, type TrackingServer } from "./types.ts";
import type { ParsedUrl } from "./validate.ts";

export const SERVER_PORT = 5000;
export const PORT_NAME = "server";
export const VOLUME_NAME = "trackingserver-sqllite-data";
export const MOUNT_PATH = "/mlflow";
/** The paths MLflow's UI loads from the root whatever the prefix: routed to the server unchanged. */
export const ASSET_PREFIXES = ["/static-files", "/ajax-api"];

/** Annotations the operator writes on some children and removes when they are no longer wanted. */
export const MANAGED_ANNOTATIONS = [
  "nginx.ingress.kubernetes.io/use-regex",
  "nginx.ingress.kubernetes.io/rewrite-target",
];

/** The seed's labels: the Deployment's selector and the pods'. */
export function selectorLabels(ts: TrackingServer): Record<string, string> {
  return { app: "trackingserver", ts_name: ts.metadata.name! };
}

export function ownerReference(ts: TrackingServer): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: ts.metadata.name!,
    uid: ts.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The seed's check before a delete: is `obj` a child of this TrackingServer (its controller reference)? */
export function isOwnedBy(obj: KubeObject, ts: TrackingServer): boolean {
  return (obj.metadata.ownerReferences ?? []).some(
    (r) => r.uid === ts.metadata.uid && r.kind === KIND && r.controller === true,
  );
}

function meta(ts: TrackingServer, name = ts.metadata.name!): KubeObject["metadata"] {
  return {
    name,
    namespace: ts.metadata.namespace,
    labels: { ...selectorLabels(ts), [MANAGED_BY_LABEL]: MANAGED_BY },
    ownerReferences: [ownerReference(ts)],
  };
}

export const wantsVolume = (ts: TrackingServer) => !!ts.spec.volumeSize && !!ts.spec.storageClassName;
export const wantsTlsSecret = (ts: TrackingServer) => !!ts.spec.cert && !!ts.spec.key;

export function persistentVolumeClaim(ts: TrackingServer): KubeObject {
  return {
    metadata: meta(ts),
    spec: {
      accessModes: ["ReadWriteOnce"],
      storageClassName: ts.spec.storageClassName,
      resources: { requests: { storage: ts.spec.volumeSize } },
    },
  };
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export function tlsSecret(ts: TrackingServer): KubeObject {
  return {
    metadata: meta(ts),
    type: "kubernetes.io/tls",
    data: { "tls.crt": base64(ts.spec.cert!), "tls.key": base64(ts.spec.key!) },
  };
}

function credentialsEnv(ts: TrackingServer): Record<string, unknown>[] {
  const ref = ts.spec.credentialsSecretRef;
  if (ref) {
    const from = (key: string) => ({ secretKeyRef: { name: ref.name, key } });
    return [
      { name: "AWS_ACCESS_KEY_ID", valueFrom: from(ref.accessKeyIdKey || "AWS_ACCESS_KEY_ID") },
      { name: "AWS_SECRET_ACCESS_KEY", valueFrom: from(ref.secretAccessKeyKey || "AWS_SECRET_ACCESS_KEY") },
    ];
  }
  // Deprecated plain fields (the seed's): still honoured, as the seed did.
  const env: Record<string, unknown>[] = [];
  if (ts.spec.aws_access_key) env.push({ name: "AWS_ACCESS_KEY_ID", value: ts.spec.aws_access_key });
  if (ts.spec.aws_secret_key) env.push({ name: "AWS_SECRET_ACCESS_KEY", value: ts.spec.aws_secret_key });
  return env;
}

export function deployment(ts: TrackingServer): KubeObject {
  const labels = selectorLabels(ts);
  const env = [
    { name: "MLFLOW_TRACKING_URI", value: ts.spec.url },
    ...(ts.spec.s3_endpoint_url ? [{ name: "MLFLOW_S3_ENDPOINT_URL", value: ts.spec.s3_endpoint_url }] : []),
    ...credentialsEnv(ts),
    { name: "ARTIFACT_ROOT", value: ts.spec.artifact_root },
    { name: "BACKEND_URI", value: ts.spec.backend_uri },
  ];
  const container: Record<string, unknown> = {
    name: "mlflow",
    image: ts.spec.image,
    imagePullPolicy: "IfNotPresent",
    ports: [{ containerPort: SERVER_PORT, name: PORT_NAME, protocol: "TCP" }],
    env,
  };
  // Empty lists rather than none: the update that follows turning the volume off must remove them.
  const podSpec: Record<string, unknown> = { containers: [container], volumes: [] };
  container.volumeMounts = [];
  if (wantsVolume(ts)) {
    podSpec.volumes = [{ name: VOLUME_NAME, persistentVolumeClaim: { claimName: ts.metadata.name } }];
    container.volumeMounts = [{ name: VOLUME_NAME, mountPath: MOUNT_PATH }];
  }
  return {
    metadata: meta(ts),
    spec: {
      replicas: ts.spec.size,
      // A ReadWriteOnce volume cannot be mounted by the old and the new pod at once on two nodes: replace, not roll.
      strategy: { type: wantsVolume(ts) ? "Recreate" : "RollingUpdate" },
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}

export function service(ts: TrackingServer): KubeObject {
  return {
    metadata: meta(ts),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(ts),
      ports: [{ name: PORT_NAME, port: SERVER_PORT, targetPort: SERVER_PORT, protocol: "TCP" }],
    },
  };
}

const backend = (ts: TrackingServer) => ({ service: { name: ts.metadata.name!, port: { name: PORT_NAME } } });

/**
 * The nginx Ingress: the URL's path prefix is stripped before the server sees it (as Traefik's StripPrefix), and
 * /static-files and /ajax-api go to the server unchanged. One Ingress does both with regex paths: rewrite-target
 * keeps capture group 2, which is the rest after the prefix, or the whole asset path.
 */
export function nginxIngress(ts: TrackingServer, url: ParsedUrl, tls: boolean, ingressClassName?: string): KubeObject {
  const m = meta(ts);
  let paths: Record<string, unknown>[];
  if (url.path === "") {
    paths = [{ path: "/", pathType: "Prefix", backend: backend(ts) }];
  } else {
    m.annotations = {
      "nginx.ingress.kubernetes.io/use-regex": "true",
      "nginx.ingress.kubernetes.io/rewrite-target": "/$2",
    };
    const assets = ASSET_PREFIXES.map((p) => p.slice(1)).join("|");
    paths = [
      { path: `${url.path}(/|$)(.*)`, pathType: "ImplementationSpecific", backend: backend(ts) },
      { path: `/()((?:${assets})(?:/.*)?)`, pathType: "ImplementationSpecific", backend: backend(ts) },
    ];
  }
  // tls: [] rather than none, so that turning TLS off removes it (other spec fields, such as the class the
  // DefaultIngressClass admission plugin set, are kept).
  const spec: Record<string, unknown> = { rules: [{ host: url.host, http: { paths } }], tls: [] };
  if (ingressClassName) spec.ingressClassName = ingressClassName;
  if (tls) spec.tls = [{ hosts: [url.host], secretName: ts.metadata.name }];
  return { metadata: m, spec };
}

const traefikService = (ts: TrackingServer) => ({ name: ts.metadata.name!, port: PORT_NAME });

/** The seed's IngressRoute: entry points, TLS and routes exactly as it writes them. */
export function ingressRoute(ts: TrackingServer, url: ParsedUrl, tls: boolean): KubeObject {
  const spec: Record<string, unknown> = { entryPoints: tls ? ["websecure", "web"] : ["web"] };
  if (url.path === "") {
    spec.routes = [{ match: `Host(\`${url.host}\`)`, kind: "Rule", services: [traefikService(ts)] }];
  } else {
    const assets = ASSET_PREFIXES.map((p) => `PathPrefix(\`${p}\`)`).join(" || ");
    spec.routes = [
      {
        match: `Host(\`${url.host}\`) && PathPrefix(\`${url.path}\`)`,
        kind: "Rule",
        services: [traefikService(ts)],
        middlewares: [{ name: ts.metadata.name! }],
      },
      { match: `Host(\`${url.host}\`) && (${assets})`, kind: "Rule", services: [traefikService(ts)] },
    ];
  }
  if (tls) spec.tls = { secretName: ts.metadata.name };
  return { metadata: meta(ts), spec };
}

/** The seed's StripPrefix Middleware (only when the URL has a path: there is nothing to strip otherwise). */
export function middleware(ts: TrackingServer, url: ParsedUrl): KubeObject {
  return { metadata: meta(ts), spec: { stripPrefix: { prefixes: [url.path] } } };
}
