// Roles per project and domain: viewer ⊂ contributor ⊂ admin. A caller's grants come from configured bindings
// (auth.roles.bindings, by subject), from the token's roles claim (`admin`, `<project>:viewer`,
// `<project>:<domain>:contributor`), and from auth.roles.defaultRole. The engine's subjects hold every permission.
import type { AuthConfig } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import type { Permission, Rule } from "./permissions.ts";
import type { Principal } from "./principal.ts";
import type { RequestScope } from "./request-scope.ts";

export type Role = "viewer" | "contributor" | "admin";

export interface Grant {
  role: Role;
  /** "*" = every project / domain. */
  project: string;
  domain: string;
}

const PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: ["view"],
  contributor: ["view", "contribute"],
  admin: ["view", "contribute", "admin"],
};

const isRole = (s: string): s is Role => s === "viewer" || s === "contributor" || s === "admin";

/** Parses one roles-claim entry; undefined for anything else (ignored). */
export function parseRoleClaim(entry: unknown): Grant | undefined {
  if (typeof entry !== "string") return undefined;
  const parts = entry.split(":");
  const role = parts[parts.length - 1]!;
  if (!isRole(role) || parts.length > 3 || parts.slice(0, -1).some((s) => s === "")) return undefined;
  return { role, project: parts.length >= 2 ? parts[0]! : "*", domain: parts.length === 3 ? parts[1]! : "*" };
}

export class Authorizer {
  constructor(private readonly auth: Pick<AuthConfig, "roles" | "engineSubjects">) {}

  isEngine(p: Principal): boolean {
    return this.auth.engineSubjects.includes(p.subject);
  }

  grantsOf(p: Principal): Grant[] {
    const out: Grant[] = [];
    for (const b of this.auth.roles.bindings) {
      if (b.subject === p.subject && isRole(b.role))
        out.push({ role: b.role, project: b.project ?? "*", domain: b.domain ?? "*" });
    }
    const claim = p.claims[this.auth.roles.claim];
    for (const entry of Array.isArray(claim) ? claim : typeof claim === "string" ? claim.split(" ") : []) {
      const g = parseRoleClaim(entry);
      if (g) out.push(g);
    }
    const d = this.auth.roles.defaultRole;
    if (isRole(d)) out.push({ role: d, project: "*", domain: "*" });
    return out;
  }

  /** Throws PERMISSION_DENIED naming the missing permission unless `p` may make a call with this rule and scope. */
  check(p: Principal, rule: Rule, scope: RequestScope | undefined, method: string): void {
    if (rule.kind !== "permission") return;
    if (this.isEngine(p)) return;
    const { permission, where } = rule;
    const has = (g: Grant) => PERMISSIONS[g.role].includes(permission);
    const grants = this.grantsOf(p).filter(has);
    let ok: boolean;
    let on: string;
    if (where === "any") {
      ok = grants.length > 0;
      on = "any project";
    } else if (where === "global" || !scope) {
      ok = grants.some((g) => g.project === "*" && g.domain === "*");
      on = "every project";
    } else {
      ok = grants.some(
        (g) =>
          (g.project === "*" || g.project === scope.project) &&
          (g.domain === "*" || (scope.domain !== "" && g.domain === scope.domain)),
      );
      on = scope.domain ? `project ${scope.project}, domain ${scope.domain}` : `project ${scope.project}`;
    }
    if (!ok) {
      throw new AloftError(
        Code.PERMISSION_DENIED,
        "auth.permission_denied",
        `${p.subject} lacks permission "${permission}" on ${on} (needed for ${method})`,
      );
    }
  }
}
