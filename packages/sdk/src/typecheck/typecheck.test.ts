// Type-level tests: fixtures compiled with the TypeScript compiler API (the same options as `tsc -p tsconfig.json`).
// well-typed.ts and every example must compile cleanly; in miswired.ts every line marked `expect-error <code>`
// must fail with that code, and nothing else may fail — a mis-wired workflow does not get past tsc.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const FIXTURES = join(ROOT, "packages/sdk/fixtures/types");
const EXAMPLES = join(ROOT, "examples");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const base = ts.readConfigFile(join(ROOT, "tsconfig.base.json"), ts.sys.readFile.bind(ts.sys));
const options = ts.parseJsonConfigFileContent(base.config, ts.sys, ROOT).options;
const files = [join(FIXTURES, "well-typed.ts"), join(FIXTURES, "miswired.ts"), ...tsFiles(EXAMPLES)];
const program = ts.createProgram(files, { ...options, noEmit: true });

function diagnostics(file: string): { line: number; code: number; text: string }[] {
  const sf = program.getSourceFile(file);
  assert.ok(sf, `${file} is part of the program`);
  return [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => ({
    line: d.start === undefined ? -1 : sf.getLineAndCharacterOfPosition(d.start).line + 1,
    code: d.code,
    text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

test("well-typed fixtures and every example compile without errors", () => {
  for (const f of files.filter((x) => !x.endsWith("miswired.ts"))) {
    const ds = diagnostics(f);
    assert.deepEqual(ds, [], `${f}:\n${ds.map((d) => `  ${d.line}: TS${d.code} ${d.text}`).join("\n")}`);
  }
});

test("each mis-wiring fails with the expected error on its line, and nothing else fails", () => {
  const file = join(FIXTURES, "miswired.ts");
  const expected = new Map<number, number>();
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const m = /\/\/ expect-error TS(\d+)/.exec(text);
      if (m) expected.set(i + 2, Number(m[1]));
    });
  assert.ok(expected.size >= 10);
  const ds = diagnostics(file);
  for (const [line, code] of expected) {
    const here = ds.filter((d) => d.line === line);
    assert.ok(
      here.some((d) => d.code === code),
      `line ${line}: expected TS${code}, got ${JSON.stringify(here)}`,
    );
  }
  const stray = ds.filter((d) => !expected.has(d.line));
  assert.deepEqual(stray, [], "no errors outside the marked lines");
});
