// Every flytectl-style command of the `aloft` CLI except `register` (registered separately by the program).
import type { Command } from "commander";
import { usageExitCodes } from "../context.ts";
import { createCommand } from "./create.ts";
import { deleteCommand } from "./delete.ts";
import { recoverCommand, relaunchCommand, runCommand, terminateCommand, watchCommand } from "./executions.ts";
import { getCommand } from "./get.ts";
import { loginCommand, logoutCommand } from "./login.ts";
import { approveCommand, signalCommand } from "./signals.ts";
import { updateCommand } from "./update.ts";
import { backfillCommand } from "./schedules.ts";

export function cliCommands(): Command[] {
  return [
    getCommand(),
    createCommand(),
    updateCommand(),
    deleteCommand(),
    runCommand(),
    watchCommand(),
    terminateCommand(),
    relaunchCommand(),
    recoverCommand(),
    backfillCommand(),
    approveCommand(),
    signalCommand(),
    loginCommand(),
    logoutCommand(),
  ].map(usageExitCodes);
}
