// The renderer against what Go's text/template and Helm produce (expected outputs worked out from Go's and Sprig's
// sources; each case is one rule that a chart relies on).
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { TemplateError, TemplateSet, renderChart } from "./index.ts";
import { GoStruct } from "./values.ts";

const renderChartTop = () => ({ Release: new GoStruct("chartutil.Release", { Name: "r" }) });

function render(src: string, data: unknown = {}): string {
  const set = new TemplateSet();
  return set.execute("t", set.add("t", src), data);
}

const throwsTemplate = (f: () => unknown, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof TemplateError && re.test(e.message));

describe("Go text/template semantics", () => {
  test("{{- and -}} trim all adjacent whitespace, newlines included; a dash without a space is a number", () => {
    assert.equal(render("a \n\t {{- 1 -}} \n b"), "a1b");
    assert.equal(render("a {{-3}} b"), "a -3 b");
    assert.equal(render("x\n{{- /* comment */ -}}\ny"), "xy");
    assert.equal(render("x\n{{/* comment */}}\ny"), "x\n\ny");
    throwsTemplate(() => render("{{ /* not a comment */ }}"), /unexpected "\/"/);
  });

  test("range over a map visits keys in sorted order; over a list with $i, $v; else when empty or nil", () => {
    assert.equal(render("{{ range $k, $v := . }}{{ $k }}={{ $v }},{{ end }}", { b: 2, a: 1, C: 3 }), "C=3,a=1,b=2,");
    assert.equal(render("{{ range $i, $v := . }}{{ $i }}:{{ $v }} {{ end }}", ["x", "y"]), "0:x 1:y ");
    assert.equal(render("{{ range . }}{{ . }}{{ else }}none{{ end }}", []), "none");
    assert.equal(render("{{ range .missing }}{{ . }}{{ else }}none{{ end }}", {}), "none");
    assert.equal(
      render(
        "{{ range . }}{{ if eq . 2.0 }}{{ continue }}{{ end }}{{ if eq . 4.0 }}{{ break }}{{ end }}{{ . }}{{ end }}",
        [1, 2, 3, 4, 5],
      ),
      "13",
    );
  });

  test('truth and emptiness: 0, "", empty lists and maps and nil are false; structs and non-empty values true', () => {
    const t = "{{ if . }}T{{ else }}F{{ end }}";
    assert.deepEqual(
      [0, "", [], {}, null, false, 0n].map((v) => render(t, v)),
      ["F", "F", "F", "F", "F", "F", "F"],
    );
    assert.deepEqual(
      [1, "0", [0], { a: null }, true].map((v) => render(t, v)),
      ["T", "T", "T", "T", "T"],
    );
    assert.equal(
      render('{{ empty .a }} {{ empty .b }} {{ default "d" .a }} {{ default "d" .c }}', { a: 0, b: " ", c: "x" }),
      "true false d x",
    );
  });

  test("a missing key is nil (printed as nothing by Helm); a field of nil is an error", () => {
    assert.equal(render("[{{ .missing }}]", {}), "[<no value>]");
    throwsTemplate(() => render("{{ .a.b }}", {}), /nil pointer evaluating interface \{\}\.b/);
    throwsTemplate(() => render("{{ .a.b }}", { a: "s" }), /can't evaluate field b in type string/);
  });

  test("numbers: values are float64 (1e+06 as Go prints it), template literals int; comparing the two fails", () => {
    assert.equal(
      render("{{ .a }} {{ .b }} {{ .c }} {{ .d }} {{ 1000000 }}", { a: 1000000, b: 100000, c: 0.5, d: 1.5e-5 }),
      "1e+06 100000 0.5 1.5e-05 1000000",
    );
    throwsTemplate(() => render("{{ eq .n 1 }}", { n: 1 }), /incompatible types for comparison/);
    assert.equal(render('{{ eq .n 1.0 }} {{ eq (int .n) 1 }} {{ eq .s "x" "s" }}', { n: 1, s: "s" }), "true true true");
    assert.equal(
      render('{{ printf "%d|%d|%s|%v|%q|%5s|%-3d|" 3 .n "s" .n "a\\"b" "x" 7 }}', { n: 2 }),
      '3|%!d(float64=2)|s|2|"a\\"b"|    x|7  |',
    );
  });

  test("nindent, indent, toYaml (sorted keys, unindented lists, YAML 1.1 ambiguities quoted), toJson (HTML escaped)", () => {
    assert.equal(
      render("a:{{ toYaml . | nindent 2 }}", { z: [1, { y: "yes", x: "" }], b: "1.0" }),
      'a:\n  b: "1.0"\n  z:\n  - 1\n  - x: ""\n    "y": "yes"',
    );
    assert.equal(render('{{ "a\\nb" | indent 3 }}'), "   a\n   b");
    assert.equal(render("{{ toYaml . }}", {}), "{}");
    assert.equal(render("{{ toJson . }}", { b: "<&>", a: [1, null] }), '{"a":[1,null],"b":"\\u003c\\u0026\\u003e"}');
    throwsTemplate(() => render('{{ nindent .n "x" }}', { n: 2 }), /expected int; got float64/);
  });

  test("variables: := declares in the block's scope, = assigns the outer one; and/or return the deciding value lazily", () => {
    assert.equal(render("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}"), "2");
    throwsTemplate(() => render("{{ if true }}{{ $y := 3 }}{{ end }}{{ $y }}"), /undefined variable: \$y/);
    assert.equal(render('{{ or .a "b" }} {{ and 1 0 2 }} {{ or 0 .x.y }}', { x: { y: "ok" } }), "b 0 ok");
    assert.equal(render("{{ if and false .a.b.c }}x{{ else }}lazy{{ end }}", {}), "lazy");
    assert.equal(render("{{ $.a }}{{ with .b }}{{ . }}{{ $.a }}{{ end }}", { a: "A", b: "B" }), "ABA");
  });

  test("else-if chains, with/else, define/include/template, tpl, required and fail", () => {
    const chain = "{{ if eq . 1.0 }}one{{ else if eq . 2.0 }}two{{ else }}many{{ end }}";
    assert.deepEqual(
      [1, 2, 3].map((n) => render(chain, n)),
      ["one", "two", "many"],
    );
    assert.equal(render("{{ with .a }}{{ . }}{{ else }}no{{ end }}", { a: "" }), "no");
    assert.equal(
      render('{{ define "x" }}[{{ . }}]{{ end }}{{ include "x" "a" | upper }}{{ template "x" "b" }}'),
      "[A][b]",
    );
    assert.equal(render('{{ tpl "{{ .v }}!" . }}', { v: "t" }), "t!");
    throwsTemplate(() => render('{{ required "need .a" .a }}', {}), /need \.a/);
    throwsTemplate(() => render('{{ fail "stop" }}'), /stop/);
    throwsTemplate(() => render('{{ include "nope" . }}'), /no template "nope"/);
  });

  test("Sprig helpers: quote, dict/list/merge/hasKey, trunc, trimSuffix, replace, b64enc, sha256sum", () => {
    assert.equal(render('{{ quote "a" 1 .missing }} {{ squote "b" }}'), '"a" "1" \'b\'');
    assert.equal(
      render('{{ $d := merge (dict "a" 1) (dict "a" 2 "b" 3) }}{{ $d.a }}{{ $d.b }} {{ hasKey $d "b" }}'),
      "13 true",
    );
    assert.equal(
      render('{{ trunc 3 "abcdef" }} {{ trunc -2 "abcdef" }} {{ trimSuffix "-" "ab-" }} {{ replace "+" "_" "a+b" }}'),
      "abc ef ab a_b",
    );
    assert.equal(render('{{ b64enc "hi" }} {{ sha256sum "" | trunc 8 }} {{ list 1 "a" | len }}'), "aGk= e3b0c442 2");
  });

  test("what the renderer does not implement throws instead of rendering something", () => {
    throwsTemplate(() => render('{{ lookup "v1" "Secret" "ns" "x" }}'), /function "lookup" not defined/);
    throwsTemplate(() => render('{{ printf "%x" 3 }}'), /not supported.*%x/);
    throwsTemplate(() => render('{{ block "x" . }}{{ end }}'), /not supported.*block/);
    throwsTemplate(() => render("{{ range 3 }}{{ end }}"), /not supported/);
    throwsTemplate(() => render("{{ if 1 }}"), /missing \{\{end\}\}/);
    throwsTemplate(() => render("{{ .Release }}", renderChartTop()), /not supported.*printing/);
  });
});

describe("renderChart: helm template semantics", () => {
  test("values coalesce (null removes a key), --set types, .Release/.Chart, _ files only define, documents split", () => {
    const dir = mkdtempSync(join(tmpdir(), "aloft-chart-"));
    try {
      mkdirSync(join(dir, "templates"));
      writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: '9'\n");
      writeFileSync(join(dir, "values.yaml"), "a: {b: 1, c: 2}\nn: 3\nflag: yes\n");
      writeFileSync(
        join(dir, "templates", "_h.tpl"),
        '{{ define "demo.n" }}{{ .Release.Name }}-{{ .Chart.Name }}{{ end }}',
      );
      writeFileSync(
        join(dir, "templates", "cm.yaml"),
        [
          "apiVersion: v1",
          "kind: ConfigMap",
          'metadata: {name: {{ include "demo.n" . }}, namespace: {{ .Release.Namespace }}}',
          "data:",
          "  a: {{ toJson .Values.a | quote }}",
          '  num: {{ printf "%d" .Values.n | quote }}',
          // YAML 1.1, as Kubernetes reads it: the key n is the boolean false (the "Norway problem").
          "  n: 1",
          "  flag: {{ .Values.flag | quote }}",
          '  missing: "{{ .Values.nothing }}"',
          "  v: {{ .Chart.AppVersion | quote }}",
          "---",
          "# only a comment",
          "---",
          "{{ if false }}kind: Never{{ end }}",
        ].join("\n"),
      );
      const r = renderChart(dir, {
        releaseName: "r",
        namespace: "ns",
        values: { a: { c: null } },
        set: ["n=7", "a.d=x\\,y"],
      });
      assert.equal(r.objects.length, 1);
      assert.deepEqual(r.objects[0], {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "r-demo", namespace: "ns" },
        data: { a: '{"b":1,"d":"x,y"}', num: "7", false: 1, flag: "true", missing: "", v: "9" },
      });
      assert.match(r.text, /^---\n# Source: demo\/templates\/cm.yaml\napiVersion: v1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
