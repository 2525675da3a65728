// Bundles the compiled server (packages/server/dist/main.js, after `tsc -b`) into packages/server/dist/bundle/, the
// modules `bin/aloft.mjs` loads for the server verbs: about twenty files on the start path instead of ~850, which cuts
// the module loading that `aloft start` spent most of its CPU on by two thirds (docs/performance.md, "## Start").
// - Code splitting keeps what is imported lazily lazy: a dynamic import (a verb's process module, the S3 store,
//   OpenTelemetry) becomes a chunk loaded on first use, with its own imports of external packages.
// - External (loaded from node_modules as before): native modules, drivers and SDKs loaded only in some configurations,
//   yaml, tsx, and the client verbs of @aloft/cli.
// - Each workspace file's `import.meta.url` / `dirname` / `filename` becomes its original dist file's, so files read
//   relative to a module (package.json, console assets, worker scripts, the SDK's entrypoint bin) are found. It is
//   computed at run time from the bundle's own URL (the dist file's path relative to the bundle directory), never
//   baked in as an absolute path: a copy of the tree (the image's /opt/aloft, scripts/image-layout.mjs) must read its
//   own files, not the checkout it was built in.
// - CommonJS dependencies (prom-client, pino, …) get a `require` made by createRequire.
// Usage: node scripts/bundle-server.mjs [--outdir dir] [--analyze]   (part of `npm run build`; the outdir must be
// under packages/server so that the external packages resolve from it)
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseArgs } from "node:util";
import { analyzeMetafile, build } from "esbuild";

const { values } = parseArgs({ options: { outdir: { type: "string" }, analyze: { type: "boolean" } } });
const root = join(import.meta.dirname, "..");
const server = join(root, "packages/server");
const packages = join(root, "packages") + sep;

const EXTERNAL = [
  "better-sqlite3",
  "pg",
  "pg-*",
  "@aws-sdk/*",
  "@smithy/*",
  "@opentelemetry/sdk-*",
  "@opentelemetry/exporter-*",
  "@opentelemetry/resources",
  "@opentelemetry/semantic-conventions",
  "@peculiar/x509",
  "yaml",
  "tsx",
  "tsx/*",
];

/** The client verbs (`@aloft/cli`'s front door) stay external; `@aloft/cli/exit`, which the error path uses, does not. */
const externalCli = {
  name: "external-cli",
  setup(b) {
    b.onResolve({ filter: /^@aloft\/cli$/ }, (args) => ({ path: args.path, external: true }));
  },
};

const outdir = values.outdir === undefined ? join(server, "dist/bundle") : resolve(values.outdir);

/** Workspace dist files keep the `import.meta.url` of where tsc put them, relative to the bundle's own location. */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(packages) || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.")) return { contents: text, loader: "js" };
      const url = (rel) => `new URL(${JSON.stringify(rel.split(sep).join("/"))}, import.meta.url)`;
      const file = url(relative(outdir, args.path));
      const dir = url(relative(outdir, dirname(args.path)) || ".");
      const contents = text.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, key) =>
        key === "url" ? `${file}.href` : `__aloftPath(${key === "dirname" ? dir : file})`,
      );
      return { contents, loader: "js" };
    });
  },
};

const result = await build({
  entryPoints: { main: join(server, "dist/main.js") },
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  external: EXTERNAL,
  plugins: [externalCli, keepModuleUrls],
  banner: {
    js: [
      'import { createRequire as __aloftRequire } from "node:module";',
      'import { fileURLToPath as __aloftPath } from "node:url";',
      "const require = __aloftRequire(import.meta.url);",
    ].join(" "),
  },
  logLevel: "warning",
  metafile: true,
  write: false,
});
// Written so that a process starting meanwhile (tests spawn the bin while `npm test` rebuilds) never sees a mix: each
// file is written under a temporary name and renamed, the chunks (named by their content's hash) first, main.mjs last;
// its new mtime is what bin/aloft.mjs compares with each bundled package's .tsbuildinfo. Files of earlier bundles are
// removed after ten minutes, time enough for a server started from one to import its lazy chunks.
await mkdir(outdir, { recursive: true });
const main = join(outdir, "main.mjs");
const files = [...result.outputFiles].sort((a, b) => (a.path === main) - (b.path === main));
for (const f of files) {
  const tmp = `${f.path}.${process.pid}.tmp`;
  await writeFile(tmp, f.contents);
  await rename(tmp, f.path);
}
const current = new Set(files.map((f) => f.path));
for (const name of await readdir(outdir)) {
  const path = join(outdir, name);
  const mtime = (await stat(path).catch(() => undefined))?.mtimeMs ?? Date.now();
  if (!current.has(path) && mtime < Date.now() - 10 * 60_000) await rm(path, { force: true });
}
if (values.analyze) console.log(await analyzeMetafile(result.metafile));
