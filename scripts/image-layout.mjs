// `node scripts/image-layout.mjs <outDir>`: copies from a built checkout (`npm run gen && npm run build`) exactly what
// the server image runs, laid out as the checkout is, so that every path the code finds through import.meta.url holds:
//   package.json, package-lock.json                 (the root manifest: workspaces, "type": "module")
//   packages/<p>/package.json                        for @aloft/server and every @aloft package it depends on, at any depth
//   packages/<p>/{dist,bin,gen}/                     their compiled JavaScript, bins and @aloft/idl's generated code
//   packages/console/{package.json,dist/}            the console's built assets (admin serves packages/console/dist)
// Left out: TypeScript sources and declarations, source maps, build state, tests, the test kit, devDependencies.
// node_modules is not copied: the Dockerfile's `deps` stage installs the production dependencies beside this layout.
// Runtime reads by path (keep this list true when adding one; scripts/image-layout.test.ts starts the server from a layout):
//   server/src/build-info.ts → packages/server/package.json; server/src/admin-server.ts → packages/console/dist;
//   sdk/src/serialize/task-template.ts → packages/sdk/bin/aloft-execute.mjs; runner/src/warm/worker-pool.ts →
//   packages/runner/dist/warm/worker-main.js.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The package whose closure of @aloft dependencies is the image. */
const ENTRY = "@aloft/server";
/** Directories of a package that run (each copied whole, minus the files `keep` drops). */
const RUNTIME_DIRS = ["dist", "bin", "gen"];
/** Read by path at runtime although no package depends on them. */
const DATA = [{ pkg: "console", dirs: ["dist"] }];
/** Written last into the layout: what it holds (and the mark that lets a rerun empty the directory). */
const MARKER = ".image-layout.json";
/** Files that must exist in the layout, or the checkout was not built. */
const REQUIRED = [
  "packages/server/bin/aloft.mjs",
  "packages/server/dist/main.js",
  "packages/idl/gen/flyteidl/service/admin_pb.js",
  "packages/console/dist/index.html",
];

/** What of a runtime directory ships: JavaScript, JSON and assets; not TypeScript, declarations, maps, tests, build state. */
function keep(path) {
  const name = path.split("/").pop() ?? "";
  if (name === ".tsbuildinfo" || name.endsWith(".tsbuildinfo")) return false;
  if (/\.(d\.[cm]?ts|[cm]?tsx?|map)$/.test(name)) return false;
  if (/\.(test|spec)\.[cm]?js$/.test(name)) return false;
  return true;
}

/** Workspace packages by name → directory (relative to the root). */
function workspaces(root) {
  const out = new Map();
  for (const dir of readdirSync(join(root, "packages"))) {
    const manifest = join(root, "packages", dir, "package.json");
    if (!existsSync(manifest)) continue;
    out.set(JSON.parse(readFileSync(manifest, "utf8")).name, join("packages", dir));
  }
  return out;
}

/** ENTRY and every workspace package reachable through `dependencies` (optional peers too: they are loaded when present). */
function closure(root, all) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !all.has(name)) return;
    seen.add(name);
    const m = JSON.parse(readFileSync(join(root, all.get(name), "package.json"), "utf8"));
    for (const dep of [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})]) visit(dep);
  };
  visit(ENTRY);
  return [...seen].sort();
}

function copyTree(from, to, counts) {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => {
      if (statSync(src).isDirectory()) return true;
      if (!keep(src)) return false;
      counts.files++;
      counts.bytes += statSync(src).size;
      return true;
    },
  });
}

/** Writes the layout into `out` (emptied first); returns the packages copied and the totals. */
export function imageLayout(out, root = ROOT) {
  const target = resolve(out);
  // The directory is emptied first: never the checkout or a directory above it, nor a non-empty one this did not write.
  if (!relative(target, resolve(root)).startsWith("..")) {
    throw new Error(`image-layout: refusing to write into ${target}: it holds the checkout`);
  }
  if (existsSync(target) && readdirSync(target).length && !existsSync(join(target, MARKER))) {
    throw new Error(`image-layout: refusing to empty ${target}: not a layout written by this script`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const counts = { files: 0, bytes: 0 };
  for (const f of ["package.json", "package-lock.json"]) {
    cpSync(join(root, f), join(target, f));
    counts.files++;
  }
  const all = workspaces(root);
  const packages = closure(root, all);
  const copies = [
    ...packages.map((name) => ({ dir: all.get(name), dirs: RUNTIME_DIRS })),
    ...DATA.map((d) => ({ dir: join("packages", d.pkg), dirs: d.dirs })),
  ];
  for (const { dir, dirs } of copies) {
    mkdirSync(join(target, dir), { recursive: true });
    cpSync(join(root, dir, "package.json"), join(target, dir, "package.json"));
    counts.files++;
    for (const d of dirs) {
      if (existsSync(join(root, dir, d))) copyTree(join(root, dir, d), join(target, dir, d), counts);
    }
  }
  const missing = REQUIRED.filter((f) => !existsSync(join(target, f)));
  if (missing.length) {
    throw new Error(`image-layout: missing ${missing.join(", ")}: run \`npm run gen && npm run build\` first`);
  }
  writeFileSync(join(target, MARKER), `${JSON.stringify({ packages, ...counts }, null, 2)}\n`);
  return { packages, ...counts };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) {
    console.error("usage: node scripts/image-layout.mjs <outDir>");
    process.exit(2);
  }
  const r = imageLayout(out);
  console.log(
    `image layout: ${r.packages.length} packages (${r.packages.join(", ")}) + console assets, ` +
      `${r.files} files, ${(r.bytes / 1024 / 1024).toFixed(1)} MiB in ${resolve(out)}`,
  );
}
