// Bundles the compiled server (packages/server/dist/main.js, after `tsc -b`) into packages/server/dist/bundle/, the
// module `bin/aloft.mjs` loads for the server verbs: one ES module for the start path instead of ~850 files, which
// halves the module loading that `aloft start` spends most of its CPU on (docs/performance.md, "## Start").
// - Code splitting keeps what is imported lazily lazy: a dynamic import (a verb's process module, the S3 store,
//   OpenTelemetry) becomes a chunk loaded on first use, with its own imports of external packages.
// - External (loaded from node_modules as before): native modules, drivers and SDKs loaded only in some configurations,
//   yaml, tsx, and the client verbs of @aloft/cli.
// - Each workspace file's `import.meta.url` / `import.meta.dirname` is replaced by its original dist file's, so files
//   read relative to a module (package.json, console assets, worker scripts, the SDK's entrypoint bin) are found.
// - CommonJS dependencies (prom-client, pino, …) get a `require` made by createRequire.
// Usage: node scripts/bundle-server.mjs [--outdir dir] [--analyze]   (part of `npm run build`; the outdir must be
// under packages/server so that the external packages resolve from it)
import { rm, readFile, utimes } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
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

/**
 * Workspace modules do nothing when imported but define things, so a module of a barrel that the start path does not
 * use is left out rather than loaded: the engine's Kubernetes mode (and with it @kubernetes/client-node), the SDK that
 * @aloft/runner re-exports, the verbs' process modules.
 */
const workspaceWithoutSideEffects = {
  name: "workspace-without-side-effects",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.probe || args.kind === "entry-point") return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { probe: true },
      });
      if (r.errors.length > 0 || r.external || !r.path.startsWith(packages)) return undefined;
      if (r.path.includes(`${sep}node_modules${sep}`)) return undefined;
      return { path: r.path, sideEffects: false };
    });
  },
};

/** Workspace dist files keep the `import.meta.url` of where tsc put them. */
const keepModuleUrls = {
  name: "keep-module-urls",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(packages) || args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.")) return { contents: text, loader: "js" };
      const url = pathToFileURL(args.path).href;
      return {
        contents: text
          .replaceAll("import.meta.url", JSON.stringify(url))
          .replaceAll("import.meta.dirname", JSON.stringify(dirname(args.path)))
          .replaceAll("import.meta.filename", JSON.stringify(args.path)),
        loader: "js",
      };
    });
  },
};

const outdir = values.outdir === undefined ? join(server, "dist/bundle") : resolve(values.outdir);
await rm(outdir, { recursive: true, force: true });
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
  plugins: [externalCli, workspaceWithoutSideEffects, keepModuleUrls],
  banner: {
    js: 'import { createRequire as __aloftRequire } from "node:module"; const require = __aloftRequire(import.meta.url);',
  },
  logLevel: "warning",
  metafile: true,
});
// bin/aloft.mjs runs the bundle only if main.mjs is newer than every bundled package's .tsbuildinfo.
const now = new Date();
await utimes(join(outdir, "main.mjs"), now, now);
if (values.analyze) console.log(await analyzeMetafile(result.metafile));
if (process.env.META) (await import("node:fs")).writeFileSync(process.env.META, JSON.stringify(result.metafile));
