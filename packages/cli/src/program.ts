// The client-side `aloft` program on its own (no server code loaded): the flytectl-style commands and `register`.
// `aloft` from @aloft/server adds these same commands next to start/admin/migrate.
import { Command } from "commander";
import { cliCommands } from "./commands/index.ts";
import { registerCommand } from "./commands/register.ts";
import { describeError } from "./exit.ts";

export function buildCliProgram(): Command {
  const program = new Command("aloft").description(
    "Aloft CLI: flytectl-style nouns and verbs against an Aloft or Flyte admin",
  );
  program.addCommand(registerCommand());
  for (const c of cliCommands()) program.addCommand(c);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCliProgram().parseAsync(argv);
  } catch (err) {
    const d = describeError(err);
    process.stderr.write(`aloft: ${d.message}\n`);
    process.exitCode = d.code;
  }
}
