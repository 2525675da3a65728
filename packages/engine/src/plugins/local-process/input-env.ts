// Task inputs as environment variables, FLYTE_INPUT_<name> (an Aloft extension, issue 9 row 8): the safe way for a
// shell command to use an input. `sh -c 'echo "hello $FLYTE_INPUT_s"'` expands the value as data, where
// `sh -c "echo hello {{.Inputs.s}}"` would parse it as shell code. Values render as `{{.Inputs.x}}` does (primitives
// Go-formatted, blobs by URI, collections `[a,b]`); a value over MAX_VALUE_BYTES or one that cannot render is left out
// (the task reads it from inputs.pb or the raw container's input files instead), so a huge list never reaches execve.
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { renderLiteral } from "./template.ts";

const INPUT_ENV_PREFIX = "FLYTE_INPUT_";
const MAX_VALUE_BYTES = 32 * 1024;
const MAX_TOTAL_BYTES = 256 * 1024;

/** `FLYTE_INPUT_<name>` for each input that renders within the limits; names outside [A-Za-z0-9_] get `_`. */
export function inputEnvironment(inputs: LiteralMap | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  let total = 0;
  for (const [name, lit] of Object.entries(inputs?.literals ?? {})) {
    if (lit.value.case === "collection" && lit.value.value.literals.length > 4096) continue; // never rendered whole
    let value: string;
    try {
      value = renderLiteral(lit);
    } catch {
      continue;
    }
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_VALUE_BYTES || total + bytes > MAX_TOTAL_BYTES || value.includes("\0")) continue;
    total += bytes;
    env[`${INPUT_ENV_PREFIX}${name.replace(/[^A-Za-z0-9_]/g, "_")}`] = value;
  }
  return env;
}
