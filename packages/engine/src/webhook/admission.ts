// The admission.k8s.io/v1 AdmissionReview exchange of a mutating webhook: the pod in the request, a JSONPatch
// (RFC 6902, base64) in the response. The patch replaces the parts the injection touches (containers, init
// containers, volumes) whole, which is valid whatever the pod held before. A pod that cannot be mutated (a malformed
// secret annotation) is refused with a 400, as upstream's webhook does.
import { AloftError } from "@aloft/core";
import { injectSecrets } from "./inject-secrets.ts";

type Json = Record<string, any>;

export interface AdmissionReview {
  apiVersion: string;
  kind: "AdmissionReview";
  request?: { uid: string; kind?: Json; operation?: string; object?: Json; namespace?: string };
  response?: Json;
}

function patchFor(before: Json, after: Json): Json[] {
  const ops: Json[] = [];
  if (!before["spec"]) return [{ op: "add", path: "/spec", value: after["spec"] }];
  for (const key of ["initContainers", "containers", "volumes"]) {
    const a = after["spec"]?.[key];
    if (a === undefined) continue;
    if (JSON.stringify(a) === JSON.stringify(before["spec"][key])) continue;
    ops.push({ op: before["spec"][key] === undefined ? "add" : "replace", path: `/spec/${key}`, value: a });
  }
  return ops;
}

/** The response review for a request review. */
export function review(req: AdmissionReview): AdmissionReview {
  const uid = req.request?.uid ?? "";
  const base = { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" as const };
  const pod = req.request?.object;
  if (!pod || req.request?.kind?.["kind"] !== "Pod") return { ...base, response: { uid, allowed: true } };
  try {
    const { pod: mutated, injected } = injectSecrets(pod);
    if (injected === 0) return { ...base, response: { uid, allowed: true } };
    const patch = patchFor(pod, mutated);
    return {
      ...base,
      response: {
        uid,
        allowed: true,
        patchType: "JSONPatch",
        patch: Buffer.from(JSON.stringify(patch)).toString("base64"),
      },
    };
  } catch (err) {
    const message = err instanceof AloftError || err instanceof Error ? err.message : String(err);
    return { ...base, response: { uid, allowed: false, status: { code: 400, message } } };
  }
}
