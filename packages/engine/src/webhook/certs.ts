// `aloft webhook init-certs` (upstream flytepropeller/pkg/webhook/init_cert.go): a CA and a serving certificate for
// the webhook's Service (`<service>`, `<service>.<namespace>`, `<service>.<namespace>.svc`), kept in a Secret with
// the keys ca.crt, tls.crt and tls.key. Idempotent: a Secret that has every key is left as it is (so the CA that
// the MutatingWebhookConfiguration trusts never changes under a running webhook); one missing a key is replaced.
// ECDSA P-256 keys (upstream uses RSA 4096, which is slow to generate and no safer for this purpose).
import { webcrypto } from "node:crypto";
import { AloftError, Code } from "@aloft/core";
import type { KubeApi, KubeObject, ResourceType } from "@aloft/kube";

export const CA_CERT_KEY = "ca.crt";
export const SERVER_CERT_KEY = "tls.crt";
export const SERVER_KEY_KEY = "tls.key";

const SECRETS: ResourceType = { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true };
const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const YEAR_MS = 365 * 24 * 3600 * 1000;

export interface WebhookCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface CertOptions {
  serviceName: string;
  namespace: string;
  /** More names the serving certificate is valid for (e.g. `localhost` for a webhook run outside the cluster). */
  extraDnsNames?: string[];
  /** IP addresses the serving certificate is valid for (e.g. 127.0.0.1). */
  extraIpAddresses?: string[];
  now?: Date;
  /** Validity (default 10 years: the Secret is never rotated behind a running webhook's back). */
  validityMs?: number;
}

/** A fresh CA and a serving certificate it signed. */
export async function createCerts(o: CertOptions): Promise<WebhookCerts> {
  // Loaded on first use: the certificate builder is only needed by `aloft webhook init-certs`.
  const x509 = await import("@peculiar/x509");
  // Node's WebCrypto (typed apart from the DOM's Crypto, which only some of our tsconfigs include).
  (x509.cryptoProvider as { set(crypto: unknown): void }).set(webcrypto);
  const subtle = webcrypto.subtle;
  const notBefore = new Date((o.now ?? new Date()).getTime() - 60_000);
  const notAfter = new Date(notBefore.getTime() + (o.validityMs ?? 10 * YEAR_MS));
  const caKeys = (await subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "07e5",
    name: "CN=aloft-webhook-ca, O=aloft",
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = (await subtle.generateKey(ALG, true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const svc = o.serviceName;
  const names = [svc, `${svc}.${o.namespace}`, `${svc}.${o.namespace}.svc`, ...(o.extraDnsNames ?? [])];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "067a",
    subject: `CN=${svc}.${o.namespace}.svc, O=aloft`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...names.map((value) => ({ type: "dns" as const, value })),
        ...(o.extraIpAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
      ]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = await subtle.exportKey("pkcs8", serverKeys.privateKey);
  return {
    caPem: ca.toString("pem"),
    certPem: cert.toString("pem"),
    keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
  };
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const unb64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

function hasAllKeys(secret: KubeObject): boolean {
  const data = (secret["data"] ?? {}) as Record<string, string>;
  return [CA_CERT_KEY, SERVER_CERT_KEY, SERVER_KEY_KEY].every((k) => !!data[k]);
}

/** The certificates in a Secret written by initCerts. */
export function certsOfSecret(secret: KubeObject): WebhookCerts {
  const data = (secret["data"] ?? {}) as Record<string, string>;
  if (!hasAllKeys(secret))
    throw new AloftError(
      Code.FAILED_PRECONDITION,
      "webhook.certs_missing",
      `secret ${secret.metadata.name} lacks ${CA_CERT_KEY}, ${SERVER_CERT_KEY} or ${SERVER_KEY_KEY}: run aloft webhook init-certs`,
    );
  return {
    caPem: unb64(data[CA_CERT_KEY]!),
    certPem: unb64(data[SERVER_CERT_KEY]!),
    keyPem: unb64(data[SERVER_KEY_KEY]!),
  };
}

export type InitCertsOutcome = "created" | "updated" | "unchanged";

/** Creates the certificate Secret when missing or incomplete; leaves a complete one alone. */
export async function initCerts(
  api: KubeApi,
  o: CertOptions & { secretName: string },
): Promise<{ outcome: InitCertsOutcome; certs: WebhookCerts }> {
  const existing = await api.get(SECRETS, o.secretName, { namespace: o.namespace }).catch((err: unknown) => {
    if (err instanceof AloftError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  });
  if (existing && hasAllKeys(existing)) return { outcome: "unchanged", certs: certsOfSecret(existing) };
  const certs = await createCerts(o);
  const data = {
    [CA_CERT_KEY]: b64(certs.caPem),
    [SERVER_CERT_KEY]: b64(certs.certPem),
    [SERVER_KEY_KEY]: b64(certs.keyPem),
  };
  const secret: KubeObject = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: o.secretName, namespace: o.namespace },
    type: "Opaque",
    data,
  };
  if (existing) {
    secret.metadata.resourceVersion = existing.metadata.resourceVersion!;
    await api.update(SECRETS, secret);
    return { outcome: "updated", certs };
  }
  try {
    await api.create(SECRETS, secret);
    return { outcome: "created", certs };
  } catch (err) {
    // Another replica created it first: theirs is the one the webhook configuration will trust.
    if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) {
      const theirs = await api.get(SECRETS, o.secretName, { namespace: o.namespace });
      return { outcome: "unchanged", certs: certsOfSecret(theirs) };
    }
    throw err;
  }
}
