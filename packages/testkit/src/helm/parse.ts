// The parse tree of a Go template: lists of text, output actions, if / range / with (with else and else-if / else-with
// chains), template calls, break / continue; `define` bodies go to the returned map.
import { TemplateError, unsupported } from "./errors.ts";
import { lex, type Token } from "./lex.ts";

export type Operand =
  | { k: "dot" }
  | { k: "field"; names: string[] }
  | { k: "var"; name: string; names: string[] }
  | { k: "ident"; name: string }
  | { k: "lit"; value: unknown }
  | { k: "paren"; pipe: Pipe; names: string[] };

export interface Pipe {
  decl: string[];
  /** `=` (assign an existing variable) rather than `:=`. */
  assign: boolean;
  cmds: Operand[][];
  line: number;
}

export type Node =
  | { k: "text"; text: string }
  | { k: "out"; pipe: Pipe }
  | { k: "if" | "with"; pipe: Pipe; body: Node[]; else: Node[] | null }
  | { k: "range"; pipe: Pipe; body: Node[]; else: Node[] | null }
  | { k: "template"; name: string; pipe: Pipe | null; line: number }
  | { k: "break" | "continue"; line: number };

export interface Parsed {
  root: Node[];
  defines: Map<string, Node[]>;
}

type Item = ReturnType<typeof lex>[number];

export function parseTemplate(name: string, src: string): Parsed {
  const items = lex(name, src);
  const defines = new Map<string, Node[]>();
  let i = 0;
  const fail = (line: number, msg: string): never => {
    throw new TemplateError(`template: ${name}:${line}: ${msg}`);
  };

  /** Parses nodes until an action starting with one of `stops`; returns the nodes and that action. */
  function list(stops: string[], depth: number): { nodes: Node[]; stop: Item & { k: "action" }; word: string } {
    const nodes: Node[] = [];
    while (i < items.length) {
      const it = items[i++]!;
      if (it.k === "text") {
        nodes.push({ k: "text", text: it.text });
        continue;
      }
      const first = it.tokens[0];
      const word = first?.k === "ident" ? first.name : "";
      if (stops.includes(word)) return { nodes, stop: it, word };
      if (it.tokens.length === 0) fail(it.line, "missing value for command");
      switch (word) {
        case "if":
        case "with":
          nodes.push(conditional(word, it.tokens.slice(1), it.line, depth));
          break;
        case "range": {
          const pipe = pipeline(it.tokens.slice(1), it.line, true);
          const b = list(["else", "end"], depth + 1);
          let els: Node[] | null = null;
          if (b.word === "else") {
            if (b.stop.tokens.length > 1) fail(b.stop.line, "unexpected tokens after else in range");
            els = list(["end"], depth + 1).nodes;
          }
          nodes.push({ k: "range", pipe, body: b.nodes, else: els });
          break;
        }
        case "define": {
          if (depth > 0) fail(it.line, "define is only allowed at the top level");
          const n = it.tokens[1];
          if (n?.k !== "str" || it.tokens.length !== 2) fail(it.line, "define needs one quoted name");
          defines.set((n as { value: string }).value, list(["end"], depth + 1).nodes);
          break;
        }
        case "template": {
          const n = it.tokens[1];
          if (n?.k !== "str") fail(it.line, "template needs a quoted name");
          const rest = it.tokens.slice(2);
          nodes.push({
            k: "template",
            name: (n as { value: string }).value,
            pipe: rest.length ? pipeline(rest, it.line, false) : null,
            line: it.line,
          });
          break;
        }
        case "break":
        case "continue":
          if (it.tokens.length > 1) fail(it.line, `unexpected tokens after ${word}`);
          nodes.push({ k: word, line: it.line });
          break;
        case "block":
          throw unsupported(`{{ block }} (${name}:${it.line})`);
        case "else":
        case "end":
          fail(it.line, `unexpected {{${word}}}`);
          break;
        default:
          nodes.push({ k: "out", pipe: pipeline(it.tokens, it.line, false) });
      }
    }
    if (stops.length) fail(items.length ? lineOf(items) : 1, `unexpected EOF (missing {{end}})`);
    return { nodes, stop: { k: "action", tokens: [], line: 0 }, word: "" };
  }

  function conditional(word: "if" | "with", tokens: Token[], line: number, depth: number): Node {
    const pipe = pipeline(tokens, line, false);
    const b = list(["else", "end"], depth + 1);
    let els: Node[] | null = null;
    if (b.word === "else") {
      const next = b.stop.tokens[1];
      if (next?.k === "ident" && (next.name === "if" || next.name === "with")) {
        // `else if` / `else with`: the rest of the chain shares this one {{end}}.
        els = [conditional(next.name, b.stop.tokens.slice(2), b.stop.line, depth)];
      } else {
        if (b.stop.tokens.length > 1) fail(b.stop.line, "unexpected tokens after else");
        els = list(["end"], depth + 1).nodes;
      }
    }
    return { k: word, pipe, body: b.nodes, else: els };
  }

  const root = list([], 0).nodes;
  return { root, defines };

  function pipeline(tokens: Token[], line: number, inRange: boolean): Pipe {
    let pos = 0;
    const decl: string[] = [];
    let assign = false;
    // Declarations: `$x :=`, `$x =`, and in range `$i, $v :=`.
    const declEnd = tokens.findIndex((t) => t.k === "punct" && (t.value === ":=" || t.value === "="));
    if (declEnd > 0 && tokens.slice(0, declEnd).every((t) => t.k === "var" || (t.k === "punct" && t.value === ","))) {
      const names = tokens.slice(0, declEnd).filter((t) => t.k === "var") as Array<{ name: string }>;
      if (names.length > (inRange ? 2 : 1)) fail(line, "too many declarations");
      decl.push(...names.map((n) => n.name));
      assign = (tokens[declEnd] as { value: string }).value === "=";
      pos = declEnd + 1;
    }
    const cmds: Operand[][] = [];
    let cmd: Operand[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos]!;
      if (t.k === "punct" && t.value === "|") {
        if (!cmd.length) fail(line, "missing command before |");
        cmds.push(cmd);
        cmd = [];
        pos++;
        continue;
      }
      const r = operand(tokens, pos, line);
      cmd.push(r.op);
      pos = r.next;
    }
    if (!cmd.length) fail(line, "missing command");
    cmds.push(cmd);
    return { decl, assign, cmds, line };
  }

  function operand(tokens: Token[], pos: number, line: number): { op: Operand; next: number } {
    const t = tokens[pos]!;
    let op: Operand;
    let next = pos + 1;
    switch (t.k) {
      case "dot":
        op = { k: "dot" };
        break;
      case "field":
        op = { k: "field", names: [t.name] };
        break;
      case "var":
        op = { k: "var", name: t.name, names: [] };
        break;
      case "str":
      case "num":
        op = { k: "lit", value: t.value };
        break;
      case "ident":
        if (t.name === "true" || t.name === "false") op = { k: "lit", value: t.name === "true" };
        else if (t.name === "nil") op = { k: "lit", value: null };
        else op = { k: "ident", name: t.name };
        break;
      case "punct": {
        if (t.value !== "(") return fail(line, `unexpected ${t.value} in operand`);
        let depth = 1;
        let q = pos + 1;
        for (; q < tokens.length && depth > 0; q++) {
          const u = tokens[q]!;
          if (u.k === "punct" && u.value === "(") depth++;
          if (u.k === "punct" && u.value === ")") depth--;
        }
        if (depth > 0) fail(line, "unclosed left paren");
        op = { k: "paren", pipe: pipeline(tokens.slice(pos + 1, q - 1), line, false), names: [] };
        next = q;
        break;
      }
    }
    // A field chain continues only on tokens glued to the operand (`$x.a.b`, `(...).a`); `.a .b` are two arguments.
    while (next < tokens.length) {
      const u = tokens[next]!;
      if (u.k !== "field" || u.space) break;
      if (op.k === "var" || op.k === "paren" || op.k === "field") op.names.push(u.name);
      else fail(line, `unexpected .${u.name} after ${op.k}`);
      next++;
    }
    return { op, next };
  }
}

function lineOf(items: Item[]): number {
  for (let j = items.length - 1; j >= 0; j--) {
    const it = items[j]!;
    if (it.k === "action") return it.line;
  }
  return 1;
}
