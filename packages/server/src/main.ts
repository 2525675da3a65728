// The `aloft` command: the server commands (start, admin, engine, scheduler, operator, …) beside the client commands of
// @aloft/cli. A server command builds a program of the server commands alone: the client verbs (and the client, SDK and
// YAML output they import) are not loaded on the way to a listening server. bin/aloft.mjs runs the server verbs from
// the bundle of this module (dist/bundle/main.mjs, scripts/bundle-server.mjs), in which @aloft/cli stays external:
// the error path imports `@aloft/cli/exit`, which is bundled, so that `instanceof AloftError` sees the same class as
// the server code that threw.
import { Command } from "commander";
import { serverCommands } from "./server-commands.ts";

const description = "Aloft: Flyte-compatible ML workflow platform";
const commands = serverCommands();
const program = commands.some((c) => c.name() === process.argv[2])
  ? new Command("aloft").description(description)
  : (await import("@aloft/cli")).buildCliProgram().description(description);
program.showHelpAfterError();
for (const c of commands) program.addCommand(c);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") {
    process.stderr.write(`aloft: ${e.message} (is another Aloft or flyteadmin running? use --http-port/--grpc-port)\n`);
    process.exit(2);
  }
  const { describeError } = await import("@aloft/cli/exit");
  const d = describeError(err);
  process.stderr.write(`aloft: ${d.message}\n`);
  process.exit(d.code);
}
