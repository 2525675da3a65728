// Executes parsed templates with text/template's semantics as Helm configures it (missingkey=zero: a missing map key
// is nil; a field of nil is an error; printing nil writes "<no value>", which Helm removes afterwards).
import { TemplateError } from "./errors.ts";
import { FUNCS, type CallContext } from "./funcs.ts";
import { type Node, type Operand, type Pipe, parseTemplate } from "./parse.ts";
import { GoStruct, formatV, isMap, sortedKeys, truth, typeName } from "./values.ts";

const NONE = Symbol("no final value");
class Break {}
class Continue {}

interface State {
  name: string;
  out: string[];
  vars: Array<{ name: string; value: unknown }>;
  depth: number;
}

export class TemplateSet {
  readonly #defines = new Map<string, Node[]>();

  /** Parses a file: its defines join the set (a later define replaces an earlier one); returns its body. */
  add(name: string, src: string): Node[] {
    const parsed = parseTemplate(name, src);
    for (const [k, v] of parsed.defines) this.#defines.set(k, v);
    return parsed.root;
  }

  execute(name: string, body: Node[], data: unknown, depth = 0): string {
    const st: State = { name, out: [], vars: [{ name: "$", value: data }], depth };
    this.#list(st, body, data);
    return st.out.join("");
  }

  /** Helm's include: a named template's output as a string (recursion capped as Helm caps it). */
  include(name: string, data: unknown, depth: number): string {
    const body = this.#defines.get(name);
    if (!body) throw new TemplateError(`no template ${JSON.stringify(name)} associated with template "gotpl"`);
    if (depth > 1000) throw new TemplateError(`rendering template has a nested reference name: ${name}`);
    return this.execute(name, body, data, depth + 1);
  }

  #list(st: State, nodes: Node[], dot: unknown): void {
    for (const n of nodes) this.#node(st, n, dot);
  }

  #node(st: State, n: Node, dot: unknown): void {
    switch (n.k) {
      case "text":
        st.out.push(n.text);
        return;
      case "out": {
        const v = this.#pipe(st, n.pipe, dot);
        if (n.pipe.decl.length === 0) st.out.push(v === null || v === undefined ? "<no value>" : printed(v));
        return;
      }
      case "if":
      case "with": {
        const mark = st.vars.length;
        const v = this.#pipe(st, n.pipe, dot);
        if (truth(v)) this.#list(st, n.body, n.k === "with" ? v : dot);
        else if (n.else) this.#list(st, n.else, dot);
        st.vars.length = mark;
        return;
      }
      case "range":
        this.#range(st, n, dot);
        return;
      case "template": {
        const data = n.pipe ? this.#pipe(st, n.pipe, dot) : null;
        st.out.push(this.#at(st, n.line, () => this.include(n.name, data, st.depth)));
        return;
      }
      case "break":
        throw new Break();
      case "continue":
        throw new Continue();
    }
  }

  #range(st: State, n: Node & { k: "range" }, dot: unknown): void {
    const mark = st.vars.length;
    const pipe: Pipe = { ...n.pipe, decl: [] };
    const v = this.#pipe(st, pipe, dot);
    let entries: Array<[unknown, unknown]>;
    if (v === null || v === undefined) entries = [];
    else if (Array.isArray(v)) entries = v.map((x, i) => [BigInt(i), x]);
    else if (isMap(v)) entries = sortedKeys(v).map((k) => [k, v[k]]);
    else if (typeof v === "bigint")
      throw this.#err(st, n.pipe.line, "range over an integer is not supported by this renderer");
    else throw this.#err(st, n.pipe.line, `range can't iterate over ${formatV(v)}`);
    if (entries.length === 0) {
      if (n.else) this.#list(st, n.else, dot);
      st.vars.length = mark;
      return;
    }
    for (const [k, x] of entries) {
      const [a, b] = n.pipe.decl;
      if (a !== undefined && b === undefined) st.vars.push({ name: a, value: x });
      if (a !== undefined && b !== undefined) st.vars.push({ name: a, value: k }, { name: b, value: x });
      try {
        this.#list(st, n.body, x);
      } catch (e) {
        if (e instanceof Break) {
          st.vars.length = mark;
          break;
        }
        if (!(e instanceof Continue)) throw e;
      }
      st.vars.length = mark;
    }
    st.vars.length = mark;
  }

  #pipe(st: State, pipe: Pipe, dot: unknown): unknown {
    let v: unknown = NONE;
    for (const cmd of pipe.cmds) v = this.#cmd(st, cmd, dot, v, pipe.line);
    for (const name of pipe.decl) {
      if (pipe.assign) {
        const slot = [...st.vars].reverse().find((x) => x.name === name);
        if (!slot) throw this.#err(st, pipe.line, `undefined variable: ${name}`);
        slot.value = v;
      } else st.vars.push({ name, value: v });
    }
    return v;
  }

  #cmd(st: State, cmd: Operand[], dot: unknown, final: unknown, line: number): unknown {
    const head = cmd[0]!;
    if (head.k === "ident") return this.#call(st, head.name, cmd.slice(1), dot, final, line);
    if (head.k === "lit" && head.value === null) throw this.#err(st, line, "nil is not a command");
    if (cmd.length > 1 || final !== NONE) {
      throw this.#err(
        st,
        line,
        "can't give argument to non-function (method calls are not supported by this renderer)",
      );
    }
    return this.#arg(st, head, dot, line);
  }

  #call(st: State, name: string, argOps: Operand[], dot: unknown, final: unknown, line: number): unknown {
    const args = () => {
      const a = argOps.map((op) => this.#arg(st, op, dot, line));
      if (final !== NONE) a.push(final);
      return a;
    };
    if (name === "and" || name === "or") {
      // Evaluated lazily, left to right; the result is the deciding argument itself.
      const thunks = argOps.map((op) => () => this.#arg(st, op, dot, line));
      if (final !== NONE) thunks.push(() => final);
      if (thunks.length === 0) throw this.#err(st, line, `wrong number of args for ${name}: want at least 1 got 0`);
      let v: unknown;
      for (const t of thunks) {
        v = t();
        if (truth(v) === (name === "or")) return v;
      }
      return v;
    }
    const fn = Object.hasOwn(FUNCS, name) ? FUNCS[name] : undefined;
    if (!fn)
      throw this.#err(st, line, `function ${JSON.stringify(name)} not defined (or not supported by this renderer)`);
    const ctx: CallContext = {
      include: (n, data) => this.include(n, data, st.depth),
      tpl: (text, data) => {
        const tplName = `${st.name}/tpl`;
        const body = this.add(tplName, text);
        return this.execute(tplName, body, data, st.depth + 1).replaceAll("<no value>", "");
      },
    };
    return this.#at(st, line, () => fn(args(), ctx), name);
  }

  #arg(st: State, op: Operand, dot: unknown, line: number): unknown {
    switch (op.k) {
      case "dot":
        return dot;
      case "lit":
        return op.value;
      case "field":
        return this.#fields(st, dot, op.names, line);
      case "var": {
        const slot = [...st.vars].reverse().find((x) => x.name === op.name);
        if (!slot) throw this.#err(st, line, `undefined variable: ${op.name}`);
        return this.#fields(st, slot.value, op.names, line);
      }
      case "paren":
        return this.#fields(st, this.#pipe(st, op.pipe, dot), op.names, line);
      case "ident":
        // A function name as an argument is a call with no arguments (`default list` would pass list's result).
        return this.#call(st, op.name, [], dot, NONE, line);
    }
  }

  #fields(st: State, v: unknown, names: string[], line: number): unknown {
    let cur = v;
    for (const name of names) {
      if (cur === null || cur === undefined) throw this.#err(st, line, `nil pointer evaluating interface {}.${name}`);
      if (cur instanceof GoStruct) {
        if (!(name in cur.fields))
          throw this.#err(
            st,
            line,
            `can't evaluate field ${name} in type ${cur.typeName} (or it is not supported by this renderer)`,
          );
        cur = cur.fields[name];
      } else if (isMap(cur)) cur = Object.hasOwn(cur, name) ? cur[name] : null;
      else throw this.#err(st, line, `can't evaluate field ${name} in type ${typeName(cur)}`);
    }
    return cur;
  }

  #at<T>(st: State, line: number, f: () => T, fn?: string): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof Break || e instanceof Continue) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof TemplateError && msg.startsWith("template: ")) throw e;
      throw this.#err(st, line, fn ? `error calling ${fn}: ${msg}` : msg);
    }
  }

  #err(st: State, line: number, msg: string): TemplateError {
    return new TemplateError(`template: ${st.name}:${line}: ${msg}`);
  }
}

/** What an output action writes (fmt.Fprint of the value). */
function printed(v: unknown): string {
  return formatV(v);
}
