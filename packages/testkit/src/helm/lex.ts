// The lexer of Go's text/template as Helm uses it (delimiters {{ }}): text between actions, `{{-` / `-}}` trimming
// (only with the space Go requires: `{{-3}}` is the number -3), comments, and the tokens inside an action.
import { TemplateError } from "./errors.ts";

export type Token =
  | { k: "field"; name: string; space: boolean }
  | { k: "var"; name: string; space: boolean }
  | { k: "dot"; space: boolean }
  | { k: "ident"; name: string; space: boolean }
  | { k: "str"; value: string; space: boolean }
  | { k: "num"; value: bigint | number; space: boolean }
  | { k: "punct"; value: "(" | ")" | "|" | ":=" | "=" | ","; space: boolean };

export type Item = { k: "text"; text: string } | { k: "action"; tokens: Token[]; line: number };

const SPACE = /[ \t\r\n]/;
const IDENT = /[A-Za-z0-9_]/;

/** Splits a template into text and actions; comments vanish (with the trimming they ask for). */
export function lex(name: string, src: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let trimNext = false;
  const lineAt = (p: number) => src.slice(0, p).split("\n").length;
  const fail = (p: number, msg: string): never => {
    throw new TemplateError(`template: ${name}:${lineAt(p)}: ${msg}`);
  };
  while (pos < src.length) {
    const open = src.indexOf("{{", pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    trimNext = false;
    if (open < 0) {
      if (text) items.push({ k: "text", text });
      break;
    }
    let p = open + 2;
    if (src[p] === "-" && SPACE.test(src[p + 1] ?? "")) {
      text = text.replace(/[ \t\r\n]+$/, "");
      p += 2;
    }
    if (text) items.push({ k: "text", text });
    // A comment must follow the delimiter (and its trim marker) directly, as in Go.
    if (src.startsWith("/*", p)) {
      const end = src.indexOf("*/", p + 2);
      if (end < 0) fail(p, "unclosed comment");
      p = end + 2;
      const close = /^( -)?\}\}/.exec(src.slice(p));
      if (!close) fail(p, "comment ends before closing delimiter");
      trimNext = close![1] !== undefined;
      pos = p + close![0].length;
      continue;
    }
    const { tokens, end, trim } = lexAction(src, p, fail);
    items.push({ k: "action", tokens, line: lineAt(open) });
    trimNext = trim;
    pos = end;
  }
  return items;
}

function lexAction(
  src: string,
  start: number,
  fail: (p: number, msg: string) => never,
): { tokens: Token[]; end: number; trim: boolean } {
  const tokens: Token[] = [];
  let p = start;
  let space = true;
  for (;;) {
    if (p >= src.length) fail(start, "unclosed action");
    const c = src[p]!;
    if (SPACE.test(c)) {
      if (src.startsWith("-}}", p + 1) && SPACE.test(c)) return { tokens, end: p + 4, trim: true };
      p++;
      space = true;
      continue;
    }
    if (src.startsWith("}}", p)) return { tokens, end: p + 2, trim: false };
    const sp = space;
    space = false;
    if (c === "(" || c === ")" || c === "|" || c === ",") {
      tokens.push({ k: "punct", value: c, space: sp });
      p++;
    } else if (c === ":" && src[p + 1] === "=") {
      tokens.push({ k: "punct", value: ":=", space: sp });
      p += 2;
    } else if (c === "=") {
      tokens.push({ k: "punct", value: "=", space: sp });
      p++;
    } else if (c === '"') {
      let q = p + 1;
      while (q < src.length && src[q] !== '"') {
        if (src[q] === "\n") fail(p, "unterminated quoted string");
        q += src[q] === "\\" ? 2 : 1;
      }
      if (q >= src.length) fail(p, "unterminated quoted string");
      tokens.push({ k: "str", value: unquote(src.slice(p + 1, q), (m) => fail(p, m)), space: sp });
      p = q + 1;
    } else if (c === "`") {
      const q = src.indexOf("`", p + 1);
      if (q < 0) fail(p, "unterminated raw quoted string");
      tokens.push({ k: "str", value: src.slice(p + 1, q), space: sp });
      p = q + 1;
    } else if (c === "'") {
      fail(p, "character constants are not supported by this renderer");
    } else if (c === "$") {
      let q = p + 1;
      while (IDENT.test(src[q] ?? "")) q++;
      tokens.push({ k: "var", name: src.slice(p, q), space: sp });
      p = q;
    } else if (c === "." && !/[0-9]/.test(src[p + 1] ?? "")) {
      let q = p + 1;
      while (IDENT.test(src[q] ?? "")) q++;
      if (q === p + 1) tokens.push({ k: "dot", space: sp });
      else tokens.push({ k: "field", name: src.slice(p + 1, q), space: sp });
      p = q;
    } else if (/[0-9+\-.]/.test(c)) {
      const m = /^[+-]?(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+([eE][+-]?[0-9]+)?|[0-9_]+\.)/.exec(src.slice(p));
      if (!m) fail(p, `bad number syntax: ${src.slice(p, p + 10)}`);
      tokens.push({ k: "num", value: parseNumber(m![0], (msg) => fail(p, msg)), space: sp });
      p += m![0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      let q = p + 1;
      while (IDENT.test(src[q] ?? "")) q++;
      tokens.push({ k: "ident", name: src.slice(p, q), space: sp });
      p = q;
    } else {
      fail(p, `unexpected ${JSON.stringify(c)} in command`);
    }
  }
}

/** Go number literals: an integer constant is an int, anything else a float64. */
function parseNumber(text: string, fail: (msg: string) => never): bigint | number {
  const t = text.replace(/_/g, "");
  if (/^[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(t)) {
    if (/^[+-]?0[0-7]+$/.test(t)) fail(`octal literals are not supported by this renderer: ${text}`);
    const neg = t.startsWith("-");
    const v = BigInt(t.replace(/^[+-]/, ""));
    return neg ? -v : v;
  }
  const n = Number(t);
  if (Number.isNaN(n)) fail(`bad number syntax: ${text}`);
  return n;
}

const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
};

/** Go's interpreted string literal escapes. */
function unquote(body: string, fail: (msg: string) => never): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, e: string) => {
    if (e.length === 1) {
      const v = ESCAPES[e];
      if (v === undefined) fail(`unknown escape sequence: \\${e}`);
      return v!;
    }
    if (e[0] === "x" || e[0] === "u" || e[0] === "U") return String.fromCodePoint(Number.parseInt(e.slice(1), 16));
    return String.fromCharCode(Number.parseInt(e, 8));
  });
}
