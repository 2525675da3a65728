// Authentication and authorization of every unary RPC, on both transports (the gRPC fast path, connect-node and the
// HTTP gateway all run the same middleware chain): the bearer token is verified, the caller becomes ctx.principal,
// and the method's rule (permissions.ts) is checked against the caller's roles for the project/domain of the request.
import { AloftError, Code } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { UnaryMiddleware } from "../api/rpc.ts";
import { bearerToken } from "./bearer-token.ts";
import type { CookieVerdict } from "./browser-session.ts";
import { ruleFor, type Rule } from "./permissions.ts";
import { requestScope } from "./request-scope.ts";
import type { Authorizer } from "./roles.ts";
import { unauthenticated, type TokenVerifier } from "./token-verifier.ts";

export interface AuthMiddlewareDeps {
  verifier: Pick<TokenVerifier, "verify">;
  authorizer: Authorizer;
  /** auth.grpcAuthorizationHeader */
  customHeader: string;
  /** Receives one `audit` line per successful change (contribute/admin RPCs): who, what, where. */
  logger: Logger;
  /** The console's session cookies (HTTP only): the token inside, or why it is refused (browser-session.ts). */
  cookies?: (headers: Headers, changesState: boolean) => CookieVerdict | undefined;
}

/** Whether a call with this rule changes something (then a cookie-authenticated caller must prove it is not a forgery). */
export const changesState = (rule: Rule) => rule.kind === "permission" && rule.permission !== "view";

export function authMiddleware(deps: AuthMiddlewareDeps): UnaryMiddleware {
  return async (method, req, ctx, next) => {
    const service = method.parent.typeName;
    const rule = ruleFor(service, method.name);
    if (!rule)
      throw new AloftError(
        Code.PERMISSION_DENIED,
        "auth.unlisted",
        `${service}.${method.name} is not open to any caller`,
      );
    if (rule.kind === "open") return next(req, ctx);
    let token = bearerToken(ctx.headers, deps.customHeader);
    if (token === undefined && ctx.transport === "http" && deps.cookies) {
      const fromCookie = deps.cookies(ctx.headers, changesState(rule));
      if (fromCookie && "refused" in fromCookie) {
        throw new AloftError(
          fromCookie.unauthenticated ? Code.UNAUTHENTICATED : Code.PERMISSION_DENIED,
          "auth.cookie",
          fromCookie.refused,
        );
      }
      token = fromCookie?.token;
    }
    if (token === undefined)
      throw unauthenticated("auth.missing_token", "missing access token: send `authorization: Bearer <token>`");
    if (token === "")
      throw unauthenticated("auth.malformed", "malformed authorization header: expected `Bearer <token>`");
    const principal = await deps.verifier.verify(token);
    ctx.principal = principal;
    const scope = requestScope(req);
    deps.authorizer.check(principal, rule, scope, method.name);
    const res = await next(req, ctx);
    if (rule.kind === "permission" && (rule.permission === "contribute" || rule.permission === "admin")) {
      deps.logger.info(
        {
          subject: principal.subject,
          method: method.name,
          project: scope?.project,
          domain: scope?.domain,
          requestId: ctx.requestId,
        },
        "audit",
      );
    }
    return res;
  };
}
