// Finds the executable a command names, as execvp would: a name with a "/" is a path (relative to the working
// directory), anything else is looked up along PATH. Used to fail a task whose command is not installed on the
// host up front (no retry can fix that), instead of letting the shell report exit code 127.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

/**
 * Where each command was last found along an all-absolute PATH: checked again first, so that a task start costs one
 * stat instead of one per PATH entry before it (`npm run` puts a dozen `node_modules/.bin` in front; issue 16). Only
 * whether the command is found matters here (the shell looks it up again to run it), so a hit is as good as a walk.
 */
const found = new Map<string, string>();
const MAX_REMEMBERED = 1000;

export function resolveCommand(command: string, pathEnv: string, cwd: string): string | undefined {
  if (command === "") return undefined;
  if (command.includes("/")) {
    const p = isAbsolute(command) ? command : join(cwd, command);
    return isExecutable(p) ? p : undefined;
  }
  const dirs = pathEnv.split(":");
  const key = dirs.every((d) => isAbsolute(d)) ? `${command}\0${pathEnv}` : undefined;
  const known = key === undefined ? undefined : found.get(key);
  if (known !== undefined && isExecutable(known)) return known;
  for (const dir of dirs) {
    const p = join(dir === "" ? cwd : isAbsolute(dir) ? dir : join(cwd, dir), command);
    if (!isExecutable(p)) continue;
    if (key !== undefined) {
      if (found.size >= MAX_REMEMBERED) found.clear();
      found.set(key, p);
    }
    return p;
  }
  if (key !== undefined) found.delete(key);
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
