// Generates TypeScript (ES modules + .d.ts) for flyteidl 1.16.5 and the google protos it imports.
// The flyteidl protos import documentation-only options from protoc-gen-openapiv2, which no npm package
// ships: a working copy of the protos is made with those imports and options removed, then buf + protoc-gen-es
// generate into gen/. Nothing under gen/ is committed.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(pkgDir, "package.json"));
const flyteProtos = join(dirname(require.resolve("@flyteorg/flyteidl/package.json")), "protos");
const googleProtos = join(dirname(require.resolve("google-proto-files/package.json")), "google");
const work = join(pkgDir, ".protos");
const out = join(pkgDir, "gen");

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith(".proto") ? [p] : [];
  });
}

// Removes `option (grpc.gateway.protoc_gen_openapiv2...) = {...};` (nested braces, quoted strings) and the import.
export function stripOpenApiOptions(src) {
  const text = src.replace(/^\s*import\s+"protoc-gen-openapiv2\/[^"]+";\s*$/gm, "");
  const marker = /option\s*\(\s*grpc\.gateway\.protoc_gen_openapiv2[^)]*\)\s*=\s*/g;
  let result = "";
  let last = 0;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    let i = m.index + m[0].length;
    if (text[i] !== "{") throw new Error(`unexpected openapiv2 option form at offset ${m.index}`);
    let depth = 0;
    let quote = null;
    for (; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === "\\") i++;
        else if (c === quote) quote = null;
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === "{") depth++;
      else if (c === "}" && --depth === 0) break;
    }
    let end = i + 1;
    while (end < text.length && /\s/.test(text[end])) end++;
    if (text[end] === ";") end++;
    result += text.slice(last, m.index);
    last = end;
    marker.lastIndex = end;
  }
  return result + text.slice(last);
}

rmSync(work, { recursive: true, force: true });
rmSync(out, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
for (const file of walk(join(flyteProtos, "flyteidl"))) {
  const rel = relative(flyteProtos, file);
  mkdirSync(dirname(join(work, rel)), { recursive: true });
  writeFileSync(join(work, rel), stripOpenApiOptions(readFileSync(file, "utf8")));
}
for (const file of ["api/annotations.proto", "api/http.proto", "api/httpbody.proto", "rpc/status.proto"]) {
  mkdirSync(dirname(join(work, "google", file)), { recursive: true });
  cpSync(join(googleProtos, file), join(work, "google", file));
}
// grpc health + reflection are not in google-proto-files; we keep our own copies of their (tiny, stable) definitions.
// protos/aloft/ holds Aloft's own services (beside flyteidl's, never instead of them).
cpSync(join(pkgDir, "protos"), work, { recursive: true });
writeFileSync(join(work, "buf.yaml"), "version: v2\nmodules:\n  - path: .\nlint:\n  use: [MINIMAL]\n");
const plugin = join(dirname(require.resolve("@bufbuild/protoc-gen-es/package.json")), "bin", "protoc-gen-es");
writeFileSync(
  join(work, "buf.gen.yaml"),
  [
    "version: v2",
    "inputs:",
    "  - directory: .",
    "plugins:",
    `  - local: ${JSON.stringify(plugin)}`,
    `    out: ${JSON.stringify(out)}`,
    "    include_imports: true",
    "    opt: [target=js+dts, import_extension=js]",
    "",
  ].join("\n"),
);
const buf = join(dirname(require.resolve("@bufbuild/buf/package.json")), "bin", "buf");
const keep = ["aloft", "flyteidl", "google/api", "google/rpc", "grpc"];
const paths = keep.filter((p) => existsSync(join(work, p))).flatMap((p) => ["--path", p]);
execFileSync(process.execPath, [buf, "generate", ...paths], { cwd: work, stdio: "inherit" });
console.log(`@aloft/idl: generated ${walk(work).length} protos into ${relative(process.cwd(), out) || out}`);
