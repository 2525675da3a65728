// The CustomResourceDefinition of TrackingServer: OpenAPI validation (required fields, URL formats, size ≥ 0, the
// Kubernetes quantity pattern), the seed's printer columns plus Ready and URL, and the status subresource.
// deploy/operator/crd.yaml is this object as YAML (a test keeps the two equal).
import { GROUP, KIND, VERSION } from "./types.ts";

/** A Kubernetes quantity (resource.Quantity's grammar), unsigned; the empty string means "unset" as in the seed. */
export const QUANTITY_PATTERN =
  "^$|^(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

const str = (description: string, extra: Record<string, unknown> = {}) => ({ type: "string", description, ...extra });

const specSchema = {
  type: "object",
  required: ["size", "image", "url", "artifact_root", "backend_uri"],
  properties: {
    size: { type: "integer", format: "int32", minimum: 0, description: "Replicas of the MLflow server." },
    image: str("The MLflow server image.", { minLength: 1 }),
    s3_endpoint_url: str("MLFLOW_S3_ENDPOINT_URL of the server (an http(s) URL).", {
      pattern: "^$|^https?://",
    }),
    aws_access_key: str("Deprecated: put the key in a Secret and name it in credentialsSecretRef."),
    aws_secret_key: str("Deprecated: put the key in a Secret and name it in credentialsSecretRef."),
    credentialsSecretRef: {
      type: "object",
      description: "The Secret (same namespace) holding the S3 credentials.",
      required: ["name"],
      properties: {
        name: str("The Secret's name.", { minLength: 1 }),
        accessKeyIdKey: str("The key of the access key id (default AWS_ACCESS_KEY_ID)."),
        secretAccessKeyKey: str("The key of the secret access key (default AWS_SECRET_ACCESS_KEY)."),
      },
    },
    artifact_root: str("The default artifact root (ARTIFACT_ROOT), e.g. s3://mlflow/.", { minLength: 1 }),
    backend_uri: str("The backend store URI (BACKEND_URI), e.g. sqlite:////mlflow/mlflow.db.", { minLength: 1 }),
    url: str("The external URL: its host and path route to the server.", { pattern: "^https?://" }),
    volumeSize: str("With storageClassName: a PersistentVolumeClaim of this size mounted at /mlflow.", {
      pattern: QUANTITY_PATTERN,
    }),
    storageClassName: str("With volumeSize: the PersistentVolumeClaim's storage class."),
    cert: str("With key: a PEM certificate for a kubernetes.io/tls Secret used by the ingress."),
    key: str("With cert: the PEM private key of that certificate."),
  },
};

const conditionSchema = {
  type: "object",
  required: ["type", "status", "reason", "message", "lastTransitionTime"],
  properties: {
    type: str("Ready, Progressing or Degraded."),
    status: str("True, False or Unknown.", { enum: ["True", "False", "Unknown"] }),
    reason: str("A CamelCase reason."),
    message: str("What happened, for people."),
    lastTransitionTime: str("When the status last changed.", { format: "date-time" }),
    observedGeneration: { type: "integer", format: "int64", minimum: 0 },
  },
};

const statusSchema = {
  type: "object",
  properties: {
    observedGeneration: { type: "integer", format: "int64", description: "The generation the status describes." },
    url: str("The URL the server is reachable at."),
    conditions: {
      type: "array",
      items: conditionSchema,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    },
  },
};

export const trackingServerCrd = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `trackingservers.${GROUP}` },
  spec: {
    group: GROUP,
    scope: "Namespaced",
    names: {
      plural: "trackingservers",
      singular: "trackingserver",
      kind: KIND,
      listKind: `${KIND}List`,
      shortNames: ["ts"],
      categories: ["aloft"],
    },
    versions: [
      {
        name: VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: "S3_ENDPOINT_URL", type: "string", jsonPath: ".spec.s3_endpoint_url" },
          { name: "ARTIFACT_ROOT", type: "string", jsonPath: ".spec.artifact_root" },
          { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: "URL", type: "string", jsonPath: ".status.url" },
          { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
        ],
        schema: {
          openAPIV3Schema: {
            type: "object",
            description: "An MLflow tracking server with its storage, TLS and ingress.",
            required: ["spec"],
            properties: {
              apiVersion: { type: "string" },
              kind: { type: "string" },
              metadata: { type: "object" },
              spec: specSchema,
              status: statusSchema,
            },
          },
        },
      },
    ],
  },
};
