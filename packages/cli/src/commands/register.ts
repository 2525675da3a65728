// `aloft register files <dir|archive>`, `aloft register code <module.ts>`
import { Command } from "commander";
import { createAdminClient } from "../client.ts";
import { parseFormat, render, type OutputFormat } from "../output.ts";
import { readRegistrationFiles } from "../register/archive.ts";
import { packageModule } from "../register/register-code.ts";
import { registerFiles, type RegistrationResult } from "../register/register-files.ts";
import { connectionOptions, type ConnectionFlags } from "./connection.ts";

interface RegisterFlags extends ConnectionFlags {
  project: string;
  domain: string;
  version: string;
  output: string;
  continueOnError?: boolean;
  activateLaunchPlans?: boolean;
}

interface CodeFlags extends Omit<RegisterFlags, "version"> {
  version?: string;
  warm: boolean;
}

/** The results table (or JSON/YAML), a summary line under a table, and exit code 1 when a file failed. */
function report(format: OutputFormat, total: number, results: RegistrationResult[], suffix = ""): void {
  const rows = results.map((r) => [r.file, r.kind, r.name, r.status, r.message]);
  process.stdout.write(`${render(format, ["file", "kind", "name", "status", "message"], rows, results)}\n`);
  const failed = results.filter((r) => r.status === "failed").length;
  const skipped = total - results.length;
  if (format === "table") {
    process.stdout.write(
      `\n${results.length - failed} of ${total} files registered or already present` +
        `${failed ? `, ${failed} failed` : ""}${skipped ? `, ${skipped} not attempted` : ""}${suffix}\n`,
    );
  }
  if (failed > 0) process.exitCode = 1;
}

export function registerCommand(): Command {
  const register = new Command("register").description("register tasks, workflows and launch plans");
  connectionOptions(
    register
      .command("files")
      .description(
        "register a `pyflyte package` output (directory or .tgz) in file order; ALREADY_EXISTS counts as success",
      )
      .argument("<path>", "directory or .tgz/.tar archive of *_1.pb, *_2.pb, *_3.pb files"),
  )
    .requiredOption("-p, --project <project>", "project to register into")
    .requiredOption("-d, --domain <domain>", "domain to register into")
    .requiredOption("-v, --version <version>", "version for every entity whose version is empty")
    .option("--continue-on-error", "register every file even after a failure")
    .option("--activate-launch-plans", "mark each registered launch plan ACTIVE")
    .option("-o, --output <format>", "table, json or yaml", "table")
    .action(async (path: string, flags: RegisterFlags) => {
      const format = parseFormat(flags.output);
      const files = readRegistrationFiles(path);
      const client = createAdminClient(flags);
      const results = await registerFiles(client, files, {
        project: flags.project,
        domain: flags.domain,
        version: flags.version,
        continueOnError: flags.continueOnError ?? false,
        activateLaunchPlans: flags.activateLaunchPlans ?? false,
      }).finally(() => client.close());
      report(format, files.length, results);
    });
  connectionOptions(
    register
      .command("code")
      .description(
        "serialize a TypeScript module written with @aloft/sdk and register its tasks, workflows and launch plans in that order " +
          "(as `register files` would its `aloft-package` output); ALREADY_EXISTS counts as success",
      )
      .argument(
        "<module>",
        "a .ts (or .js) module exporting tasks, workflows and launch plans; task commands point at its absolute path",
      ),
  )
    .requiredOption("-p, --project <project>", "project to register into")
    .requiredOption("-d, --domain <domain>", "domain to register into")
    .option("-v, --version <version>", "version of every entity (default: a content hash of the module file)")
    .option(
      "--no-warm",
      "serialize tasks as plain container tasks (a process per task) instead of warm-worker tasks (aloft-ts)",
    )
    .option("--continue-on-error", "register every entity even after a failure")
    .option("--activate-launch-plans", "mark each registered launch plan ACTIVE")
    .option("-o, --output <format>", "table, json or yaml", "table")
    .action(async (module: string, flags: CodeFlags) => {
      const format = parseFormat(flags.output);
      const m = await packageModule(module, {
        project: flags.project,
        domain: flags.domain,
        warm: flags.warm,
        ...(flags.version && { version: flags.version }),
      });
      const client = createAdminClient(flags);
      const results = await registerFiles(client, m.files, {
        project: flags.project,
        domain: flags.domain,
        version: m.version,
        continueOnError: flags.continueOnError ?? false,
        activateLaunchPlans: flags.activateLaunchPlans ?? false,
      }).finally(() => client.close());
      report(format, m.files.length, results, ` (version ${m.version})`);
    });
  return register;
}
