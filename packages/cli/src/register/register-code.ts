// `aloft register code <module.ts>` and `aloft run <module.ts> <export>`: loads a TypeScript module written with
// @aloft/sdk, serializes its tasks, workflows and launch plans, and registers them through the same path as
// `aloft register files` (tasks, then workflows, then launch plans; ALREADY_EXISTS counts as success). The module path
// is written into the task commands as an absolute path: the sandbox runs tasks from this local code path.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { invalidArgument } from "@aloft/core";
import type { Serialized } from "@aloft/sdk";
import type { RegistrationFile } from "./archive.ts";

const MODULE_EXT = /\.(?:[cm]?ts|[cm]?js|tsx)$/;

/** Whether a `run` argument names a module file rather than a registered launch plan or task. */
export function looksLikeModule(arg: string): boolean {
  return MODULE_EXT.test(arg);
}

export interface CodeOptions {
  project: string;
  domain: string;
  /** Default: a content hash of the module file (and of `warm`). */
  version?: string;
  /** Serialize tasks as warm-worker tasks (`aloft-ts`); default true. */
  warm?: boolean;
}

export interface PackagedModule {
  path: string;
  version: string;
  serialized: Serialized;
  files: RegistrationFile[];
}

/**
 * The default version: a hash of the module's source and the serialization settings. Only the module file itself is
 * hashed: pass `-v` when a change lives in a file it imports.
 */
export function contentVersion(source: Uint8Array, warm: boolean): string {
  return createHash("sha256").update(source).update(`\0warm=${warm}`).digest("hex").slice(0, 20);
}

export async function packageModule(file: string, o: CodeOptions): Promise<PackagedModule> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile())
    throw invalidArgument("register.no_module", `${file}: no such module file`);
  const warm = o.warm ?? true;
  const version = o.version ?? contentVersion(readFileSync(path), warm);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw invalidArgument(
      "register.module_load",
      `${file}: cannot load the module: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  // Loaded on demand: the other commands do not pay for the SDK.
  const { serializeModule, registrationFiles } = await import("@aloft/sdk");
  const serialized = serializeModule(exports, { project: o.project, domain: o.domain, version, module: path, warm });
  const files = registrationFiles(serialized);
  if (files.length === 0)
    throw invalidArgument(
      "register.empty_module",
      `${file}: exports no tasks, workflows or launch plans (made with @aloft/sdk)`,
    );
  return { path, version, serialized, files };
}

/**
 * What `aloft run <module> <name>` launches: `name` is an export name or a registered name. A workflow launches
 * through its default launch plan (same name), a launch plan as itself, a task as a single-task execution.
 */
export function launchTargetOf(
  m: PackagedModule,
  name: string,
  file: string,
): { kind: "launchplan" | "task"; name: string } {
  const available: string[] = [];
  for (const [entity, n] of m.serialized.names) {
    if (entity.kind === "launch-plan-ref") continue;
    available.push(n.exportName);
    if (n.exportName !== name && n.name !== name) continue;
    return { kind: entity.kind === "task" || entity.kind === "dynamic" ? "task" : "launchplan", name: n.name };
  }
  throw invalidArgument(
    "run.unknown_export",
    `${file} exports no task, workflow or launch plan named ${name} (it exports: ${available.join(", ") || "none"})`,
  );
}
