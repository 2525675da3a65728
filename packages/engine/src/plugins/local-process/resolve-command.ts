// Finds the executable a command names, as execvp would: a name with a "/" is a path (relative to the working
// directory), anything else is looked up along PATH. Used to fail a task whose command is not installed on the
// host up front (no retry can fix that), instead of letting the shell report exit code 127.
import { accessSync, constants, statSync } from "node:fs";
import { isAbsolute, join } from "node:path";

export function resolveCommand(command: string, pathEnv: string, cwd: string): string | undefined {
  if (command === "") return undefined;
  if (command.includes("/")) {
    const p = isAbsolute(command) ? command : join(cwd, command);
    return isExecutable(p) ? p : undefined;
  }
  for (const dir of pathEnv.split(":")) {
    const p = join(dir === "" ? cwd : isAbsolute(dir) ? dir : join(cwd, dir), command);
    if (isExecutable(p)) return p;
  }
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
