// The `aloft` command: the server commands (start, admin, migrate) beside the client commands of @aloft/cli.
import { buildCliProgram } from "@aloft/cli";
import { describeError } from "@aloft/cli";
import { serverCommands } from "./server-commands.ts";

const program = buildCliProgram().description("Aloft: Flyte-compatible ML workflow platform").showHelpAfterError();
for (const c of serverCommands()) program.addCommand(c);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EADDRINUSE") {
    process.stderr.write(`aloft: ${e.message} (is another Aloft or flyteadmin running? use --http-port/--grpc-port)\n`);
    process.exit(2);
  }
  const d = describeError(err);
  process.stderr.write(`aloft: ${d.message}\n`);
  process.exit(d.code);
}
