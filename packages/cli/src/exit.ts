// Exit codes and the one-line error messages every command ends with (never a stack trace).
//   0 success · 1 the server refused or the execution did not succeed · 2 usage (flags, inputs, files)
//   3 the server could not be reached (down, wrong endpoint, deadline)
import { Code, ConnectError } from "@connectrpc/connect";
import { AloftError } from "@aloft/core";
import { oneLine } from "./views.ts";

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

/** upstream's code names, lower case: NOT_FOUND → "not found". */
const codeText = (c: Code) => (Code[c] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

export function describeError(err: unknown, endpoint?: string): { code: number; message: string } {
  if (err instanceof AloftError) return { code: EXIT.USAGE, message: err.message };
  if (err instanceof ConnectError) {
    if (/certificate/i.test(err.rawMessage)) {
      return {
        code: EXIT.UNREACHABLE,
        message: `TLS: ${err.rawMessage} (trust the server with caCertFile, or set insecureSkipVerify, in ~/.aloft/config.yaml)`,
      };
    }
    if (err.code === Code.Unavailable || err.code === Code.DeadlineExceeded) {
      const where = endpoint ? ` at ${endpoint}` : "";
      return {
        code: EXIT.UNREACHABLE,
        message: `cannot reach the admin server${where} (${err.rawMessage}); is it running? check --endpoint`,
      };
    }
    const hint =
      err.code === Code.Unauthenticated
        ? " (the server wants a token: set authType: ClientSecret, clientId and clientSecretLocation in ~/.aloft/config.yaml, or ALOFT_TOKEN)"
        : "";
    return { code: EXIT.FAILED, message: `${codeText(err.code)}: ${oneLine(err.rawMessage, 2000)}${hint}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: EXIT.FAILED, message: message.split("\n")[0] ?? message };
}

/** A failed or aborted execution after `--watch`: exit 1 without a usage hint. */
export class ExecutionFailed extends Error {
  override name = "ExecutionFailed";
}
