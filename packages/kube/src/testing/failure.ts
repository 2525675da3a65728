// A refusal of the test API server: the HTTP status and metav1.Status reason the real server answers.
import type { KubeStatus } from "../types.ts";

export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: KubeStatus["details"] = {},
  ) {
    super(message);
  }

  toStatus(): KubeStatus {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

const qualified = (kind: { plural: string; group: string }) =>
  kind.group ? `${kind.plural}.${kind.group}` : kind.plural;

export const notFound = (kind: { plural: string; group: string }, name: string) =>
  new ApiFailure(404, "NotFound", `${qualified(kind)} "${name}" not found`, { name, kind: kind.plural });
export const alreadyExists = (kind: { plural: string; group: string }, name: string) =>
  new ApiFailure(409, "AlreadyExists", `${qualified(kind)} "${name}" already exists`, { name, kind: kind.plural });
export const conflict = (kind: { plural: string; group: string }, name: string, why: string) =>
  new ApiFailure(409, "Conflict", `Operation cannot be fulfilled on ${qualified(kind)} "${name}": ${why}`, {
    name,
    kind: kind.plural,
  });
export const invalid = (kind: { kind: string; group: string }, name: string, why: string) =>
  new ApiFailure(422, "Invalid", `${kind.kind}${kind.group ? `.${kind.group}` : ""} "${name}" is invalid: ${why}`, {
    name,
    kind: kind.kind,
  });
export const badRequest = (message: string) => new ApiFailure(400, "BadRequest", message);
export const gone = (message: string) => new ApiFailure(410, "Expired", message);
