// What every command action gets: resolved settings, a client (closed when the action ends), the output format,
// project/domain, and the one place errors become a message and an exit code.
import type { Command, CommanderError } from "commander";
import type { AloftClient } from "@aloft/client";
import { createAloftClient } from "@aloft/client";
import { invalidArgument } from "@aloft/core";
import { clientOptions, loadCliConfig, type CliConfig, type ConnectionFlags } from "./config.ts";
import { connectionOptions } from "./commands/connection.ts";
import { describeError, EXIT } from "./exit.ts";
import { parseFormat, type OutputFormat } from "./output.ts";

export interface CommonFlags extends ConnectionFlags {
  output?: string;
}

export interface CliContext {
  config: CliConfig;
  client: AloftClient;
  format: OutputFormat;
  project(): string;
  domain(): string;
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

/** Connection flags, `-p/--project`, `-d/--domain` and (unless `output: false`) `-o/--output`. */
export function commonOptions(cmd: Command, o: { output?: boolean; projectDomain?: boolean } = {}): Command {
  connectionOptions(cmd);
  if (o.projectDomain !== false) {
    cmd
      .option("-p, --project <project>", "project (default: the config file's)")
      .option("-d, --domain <domain>", "domain (default: the config file's)");
  }
  if (o.output !== false) cmd.option("-o, --output <format>", "table, json or yaml", "table");
  return cmd;
}

type OwnedContext = CliContext & { close(): void };

function makeContext(flags: CommonFlags): OwnedContext {
  const config = loadCliConfig(flags);
  const format = parseFormat(flags.output ?? "table");
  let client: AloftClient | undefined;
  return {
    config,
    format,
    get client() {
      client ??= createAloftClient(clientOptions(config));
      return client;
    },
    project() {
      if (!config.project)
        throw invalidArgument("cli.project", "no project: pass -p/--project or set `project` in ~/.aloft/config.yaml");
      return config.project;
    },
    domain() {
      if (!config.domain)
        throw invalidArgument("cli.domain", "no domain: pass -d/--domain or set `domain` in ~/.aloft/config.yaml");
      return config.domain;
    },
    out: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`),
    err: (t) => void process.stderr.write(t.endsWith("\n") ? t : `${t}\n`),
    isTTY: Boolean(process.stdout.isTTY),
    close: () => client?.close(),
  };
}

/**
 * Wraps a command action: builds the context from the command's flags, runs, and turns any error into one line on
 * stderr and an exit code (EXIT in exit.ts).
 */
export function act(fn: (ctx: CliContext, args: string[], flags: Record<string, unknown>) => Promise<void>) {
  return async (...all: unknown[]): Promise<void> => {
    const cmd = all[all.length - 1] as Command;
    const flags = cmd.opts<CommonFlags & Record<string, unknown>>();
    const args = cmd.args;
    let ctx: OwnedContext | undefined;
    try {
      ctx = makeContext(flags);
      await fn(ctx, args, flags);
    } catch (err) {
      const d = describeError(err, ctx?.config.endpoint);
      process.stderr.write(`aloft: ${d.message}\n`);
      process.exitCode = d.code;
    } finally {
      ctx?.close();
    }
  };
}

/** Usage errors from commander itself (unknown option, missing argument) exit with EXIT.USAGE, help with 0. */
export function usageExitCodes(cmd: Command): Command {
  cmd.exitOverride((e: CommanderError) => {
    process.exit(e.exitCode === 0 ? EXIT.OK : EXIT.USAGE);
  });
  cmd.configureOutput({ outputError: (s, write) => write(s.replace(/^error: /, "aloft: ")) });
  for (const c of cmd.commands) usageExitCodes(c);
  return cmd;
}
