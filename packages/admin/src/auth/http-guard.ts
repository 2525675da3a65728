// The plain HTTP routes served beside the gateway (task logs, /metrics) with auth on: a valid token and the `view`
// permission somewhere, else 401 / 403 with a google.rpc.Status JSON body, as the gateway answers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { AloftError, Code, httpStatusFromCode, toAloftError } from "@aloft/core";
import { bearerToken } from "./bearer-token.ts";
import type { CookieVerdict } from "./browser-session.ts";
import type { RequestScope } from "./request-scope.ts";
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

export interface HttpGuardDeps {
  verifier: Pick<TokenVerifier, "verify">;
  authorizer: Authorizer;
  customHeader: string;
  /** The console's session cookies, as on the gateway (reads only here: these routes change nothing). */
  cookies?: (headers: Headers, changesState: boolean) => CookieVerdict | undefined;
}

/**
 * Wraps a plain HTTP route so that it needs a token and `view`: with `scopeOf`, on the project and domain it finds for
 * the request (e.g. the execution a task log belongs to) or, when it finds none, on every project; without `scopeOf`,
 * on any project.
 */
export function httpGuard(deps: HttpGuardDeps) {
  return (
    route: HttpRoute,
    name: string,
    scopeOf?: (req: IncomingMessage) => Promise<RequestScope | undefined>,
  ): HttpRoute =>
    async (req, res) => {
      try {
        const headers = headersOf(req);
        let token = bearerToken(headers, deps.customHeader);
        if (token === undefined && deps.cookies) {
          const fromCookie = deps.cookies(headers, false);
          if (fromCookie && "refused" in fromCookie) throw unauthenticated("auth.cookie", fromCookie.refused);
          token = fromCookie?.token;
        }
        if (!token)
          throw unauthenticated("auth.missing_token", "missing access token: send `authorization: Bearer <token>`");
        const principal = await deps.verifier.verify(token);
        if (scopeOf) {
          const scope = await scopeOf(req);
          deps.authorizer.check(principal, { kind: "permission", permission: "view", where: "project" }, scope, name);
        } else {
          deps.authorizer.check(principal, { kind: "permission", permission: "view", where: "any" }, undefined, name);
        }
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
