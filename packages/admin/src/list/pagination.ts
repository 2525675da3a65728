// Offset tokens and limits of list RPCs (upstream flyteadmin/pkg/manager/impl/util/filters.go).
import { invalidArgument, invalidValue } from "@aloft/core";

/** A token is a decimal offset (Go `strconv.Atoi`: optional sign, digits); "" is 0; negative is invalid. */
export function parseToken(token: string, rpc: string): number {
  if (token === "") return 0;
  const bad = () => invalidArgument("pagination.invalid_token", `invalid pagination token ${token} for ${rpc}`);
  if (!/^[+-]?\d+$/.test(token)) throw bad();
  const n = Number(token);
  if (n < 0 || !Number.isSafeInteger(n)) throw bad();
  return n;
}

/** Every list RPC but ListProjects requires limit > 0. */
export function checkLimit(limit: number, required: boolean): number {
  if (!Number.isInteger(limit) || limit < 0 || (required && limit === 0)) throw invalidValue("limit");
  return limit;
}

/** The response token: the next offset iff the page was full (so an exactly-full last page still gets one). */
export function nextToken(offset: number, limit: number, n: number): string {
  return n === limit ? String(offset + n) : "";
}
