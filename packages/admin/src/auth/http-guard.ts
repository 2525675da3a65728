// The plain HTTP routes served beside the gateway (task logs, /metrics) with auth on: a valid token and the `view`
// permission somewhere, else 401 / 403 with a google.rpc.Status JSON body, as the gateway answers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { AloftError, Code, httpStatusFromCode, toAloftError } from "@aloft/core/errors.ts";
import { bearerToken } from "./bearer-token.ts";
import type { Authorizer } from "./roles.ts";
import { unauthenticated, type TokenVerifier } from "./token-verifier.ts";

export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function headersOf(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === "string") h.set(k, v);
  }
  return h;
}

export function httpGuard(deps: { verifier: Pick<TokenVerifier, "verify">; authorizer: Authorizer; customHeader: string }) {
  return (route: HttpRoute, name: string): HttpRoute =>
    async (req, res) => {
      try {
        const token = bearerToken(headersOf(req), deps.customHeader);
        if (!token) throw unauthenticated("auth.missing_token", "missing access token: send `authorization: Bearer <token>`");
        const principal = await deps.verifier.verify(token);
        deps.authorizer.check(principal, { kind: "permission", permission: "view", where: "any" }, undefined, name);
      } catch (err) {
        const e = err instanceof AloftError ? err : toAloftError(err);
        req.resume();
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (e.code === Code.UNAUTHENTICATED) headers["www-authenticate"] = 'Bearer realm="aloft"';
        res.writeHead(httpStatusFromCode(e.code), headers);
        res.end(JSON.stringify({ code: e.code, message: e.message, details: [] }));
        return;
      }
      await route(req, res);
    };
}
