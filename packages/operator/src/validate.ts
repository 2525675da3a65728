// What the operator checks before it touches anything: the CRD's OpenAPI schema says most of it, but a cluster may
// run an older CRD, and some rules need parsing (the URL must have a host; the PEM blocks must be PEM). Each problem
// is one line naming the field; an invalid spec is reported as Degraded and not retried until it changes.
import { QUANTITY_PATTERN } from "./crd.ts";
import type { TrackingServerSpec } from "./types.ts";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const quantity = new RegExp(QUANTITY_PATTERN);

/** The URL's host and path as the ingress uses them: no trailing slash, "" for the root. */
export interface ParsedUrl {
  host: string;
  path: string;
}

export function parseServerUrl(raw: string): ParsedUrl {
  const u = new URL(raw);
  const path = u.pathname.replace(/\/+$/, "");
  return { host: u.hostname, path };
}

function checkHttpUrl(field: string, value: unknown, problems: string[]): void {
  if (typeof value !== "string" || value === "") {
    problems.push(`spec.${field}: required`);
    return;
  }
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#]/i.test(value)) {
    problems.push(`spec.${field}: ${JSON.stringify(value)} has no host`);
    return;
  }
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    problems.push(`spec.${field}: ${JSON.stringify(value)} is not a URL`);
    return;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    problems.push(`spec.${field}: ${JSON.stringify(value)} must be an http or https URL`);
  else if (!DNS_SUBDOMAIN.test(u.hostname) && !/^\[?[0-9a-f:.]+\]?$/.test(u.hostname))
    problems.push(`spec.${field}: ${JSON.stringify(value)} has an invalid host`);
  else if (field === "url" && (u.search || u.hash))
    problems.push(`spec.${field}: ${JSON.stringify(value)} must not have a query or fragment`);
}

function nonEmpty(field: string, value: unknown, problems: string[]): void {
  if (typeof value !== "string" || value.trim() === "") problems.push(`spec.${field}: required`);
}

/** The problems of `spec`, empty when it is valid. */
export function validateSpec(spec: Partial<TrackingServerSpec> | undefined): string[] {
  const problems: string[] = [];
  if (!spec || typeof spec !== "object") return ["spec: required"];
  if (typeof spec.size !== "number" || !Number.isInteger(spec.size) || spec.size < 0 || spec.size > 2 ** 31 - 1)
    problems.push(`spec.size: ${JSON.stringify(spec.size)} must be an integer ≥ 0`);
  nonEmpty("image", spec.image, problems);
  nonEmpty("artifact_root", spec.artifact_root, problems);
  nonEmpty("backend_uri", spec.backend_uri, problems);
  checkHttpUrl("url", spec.url, problems);
  if (spec.s3_endpoint_url) checkHttpUrl("s3_endpoint_url", spec.s3_endpoint_url, problems);
  if (spec.volumeSize !== undefined && (typeof spec.volumeSize !== "string" || !quantity.test(spec.volumeSize)))
    problems.push(`spec.volumeSize: ${JSON.stringify(spec.volumeSize)} is not a quantity (e.g. 10Gi, 500M)`);
  else if (spec.volumeSize && /^0*(\.0*)?[a-zA-Z]*$/.test(spec.volumeSize))
    problems.push(`spec.volumeSize: ${JSON.stringify(spec.volumeSize)} must be greater than zero`);
  if (spec.storageClassName && !DNS_SUBDOMAIN.test(spec.storageClassName))
    problems.push(`spec.storageClassName: ${JSON.stringify(spec.storageClassName)} is not a valid name`);
  if (spec.cert && spec.key) {
    if (!spec.cert.includes("-----BEGIN ")) problems.push("spec.cert: not a PEM certificate");
    if (!spec.key.includes("-----BEGIN ")) problems.push("spec.key: not a PEM private key");
  }
  const ref = spec.credentialsSecretRef;
  if (ref !== undefined) {
    if (!ref || typeof ref.name !== "string" || !DNS_SUBDOMAIN.test(ref.name))
      problems.push(`spec.credentialsSecretRef.name: ${JSON.stringify(ref?.name)} is not a valid Secret name`);
    if (spec.aws_access_key || spec.aws_secret_key)
      problems.push("spec.credentialsSecretRef: set either it or aws_access_key/aws_secret_key, not both");
  }
  return problems;
}
