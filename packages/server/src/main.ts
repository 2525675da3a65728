// The `aloft` command: the server commands (start, admin, engine, migrate, secret) beside the client commands of
// @aloft/cli. A server command builds a program of the server commands alone: the client verbs (and the client, SDK and
// YAML output they import) are not loaded on the way to a listening server.
import { Command } from "commander";
import { serverCommands } from "./server-commands.ts";

const SERVER_VERBS = new Set(["start", "admin", "engine", "migrate", "secret"]);
const description = "Aloft: Flyte-compatible ML workflow platform";
const program = SERVER_VERBS.has(process.argv[2] ?? "")
  ? new Command("aloft").description(description)
  : (await import("@aloft/cli")).buildCliProgram().description(description);
program.showHelpAfterError();
for (const c of serverCommands()) program.addCommand(c);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") {
    process.stderr.write(`aloft: ${e.message} (is another Aloft or flyteadmin running? use --http-port/--grpc-port)\n`);
    process.exit(2);
  }
  const { describeError } = await import("@aloft/cli");
  const d = describeError(err);
  process.stderr.write(`aloft: ${d.message}\n`);
  process.exit(d.code);
}
