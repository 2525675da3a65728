// Runs the `aloft` CLI as a child process for end-to-end tests, asynchronously (a synchronous spawn would block the
// in-process server the CLI talks to), with its own HOME and no ALOFT_ENDPOINT from the caller's environment.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";

export interface Run {
  code: number;
  out: string;
  err: string;
}

export interface CliRunner {
  aloft(...args: string[]): Promise<Run>;
  /** Exit 0, else fail with what the CLI said. */
  ok(...args: string[]): Promise<string>;
  /** A failure: the exit code, no stack trace, and exactly one `aloft:` line on stderr that matches. */
  fails(code: number, message: RegExp, ...args: string[]): Promise<void>;
}

/** `bin` is read at every call, so a test can switch binaries between commands. */
export function cliRunner(bin: () => string, home: string): CliRunner {
  const aloft = (...args: string[]): Promise<Run> => {
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, NO_COLOR: "1" };
    delete env.ALOFT_ENDPOINT;
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [bin(), ...args],
        { encoding: "utf8", env, timeout: 120_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, out: stdout, err: stderr });
        },
      );
    });
  };
  return {
    aloft,
    async ok(...args) {
      const r = await aloft(...args);
      assert.equal(r.code, 0, `aloft ${args.join(" ")} → ${r.code}\n${r.err}${r.out}`);
      return r.out;
    },
    async fails(code, message, ...args) {
      const r = await aloft(...args);
      assert.equal(r.code, code, `aloft ${args.join(" ")} → ${r.code}\n${r.err}${r.out}`);
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /^\s+at /m, "no stack trace");
      assert.equal(
        r.err
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("aloft:")).length,
        1,
        r.err,
      );
    },
  };
}
