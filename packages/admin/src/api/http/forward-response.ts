// Response headers flyteadmin adds from response messages (its gateway's WithForwardResponseOption):
// IdentityService.UserInfo sets `X-User-Subject` and one `X-User-Claim-<key>` (JSON value) per additional claim.
import type { ServerResponse } from "node:http";
import type { Message } from "@bufbuild/protobuf";
import type { UserInfoResponse } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { canonicalHeaderKey, headerSafe } from "./headers.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function forwardResponseHeaders(res: ServerResponse, message: Message): void {
  if (message.$typeName !== "flyteidl.service.UserInfoResponse") return;
  const info = message as UserInfoResponse;
  for (const [key, value] of Object.entries(info.additionalClaims ?? {})) {
    const name = `X-User-Claim-${key.replaceAll("_", "-")}`;
    if (TOKEN.test(name)) res.setHeader(canonicalHeaderKey(name), headerSafe(JSON.stringify(value)));
  }
  res.setHeader("X-User-Subject", headerSafe(info.subject));
}
