// google.api.http path templates (`/api/v1/tasks/{id.project}/{id.domain}`, `*`, `**`, `{name=a/*}`, `:verb`),
// compiled to a list of segment matchers and matched against the already percent-decoded path components, as
// grpc-gateway v2 does in its legacy unescaping mode (a variable never spans a `/`, empty components match `*`).

export type SegmentKind = "literal" | "single" | "multi";

export interface TemplateSegment {
  kind: SegmentKind;
  /** The literal text (kind "literal" only). */
  literal?: string;
}

export interface TemplateVariable {
  /** Dotted request field path, e.g. `id.project`. */
  fieldPath: string;
  /** Segment index range [start, end) the variable captures. */
  start: number;
  end: number;
}

export interface PathTemplate {
  source: string;
  segments: TemplateSegment[];
  variables: TemplateVariable[];
  verb: string;
}

export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a google.api.http path template; throws TemplateSyntaxError when it is malformed. */
export function parseTemplate(source: string): PathTemplate {
  const fail = (why: string) => new TemplateSyntaxError(`invalid path template ${JSON.stringify(source)}: ${why}`);
  if (!source.startsWith("/")) throw fail("must start with /");
  let body = source.slice(1);
  let verb = "";
  // A verb is a `:literal` after the last segment; colons inside `{...}` are not verbs.
  const lastClose = body.lastIndexOf("}");
  const colon = body.indexOf(":", lastClose + 1);
  if (colon !== -1 && body.lastIndexOf("/") < colon) {
    verb = body.slice(colon + 1);
    body = body.slice(0, colon);
    if (verb === "") throw fail("empty verb");
  }
  const segments: TemplateSegment[] = [];
  const variables: TemplateVariable[] = [];
  let i = 0;
  const readSegment = (inVariable: boolean): void => {
    if (body.startsWith("**", i)) {
      segments.push({ kind: "multi" });
      i += 2;
    } else if (body[i] === "*") {
      segments.push({ kind: "single" });
      i += 1;
    } else if (body[i] === "{") {
      if (inVariable) throw fail("nested variable");
      const close = body.indexOf("}", i);
      if (close === -1) throw fail("unterminated variable");
      const inner = body.slice(i + 1, close);
      const eq = inner.indexOf("=");
      const fieldPath = eq === -1 ? inner : inner.slice(0, eq);
      if (!fieldPath.split(".").every((p) => IDENT.test(p))) throw fail(`bad field path ${JSON.stringify(fieldPath)}`);
      if (variables.some((v) => v.fieldPath === fieldPath)) throw fail(`duplicate variable ${fieldPath}`);
      const start = segments.length;
      if (eq === -1) {
        segments.push({ kind: "single" });
      } else {
        const saved = { body, i };
        body = inner.slice(eq + 1);
        i = 0;
        readSegments(true);
        if (i !== body.length) throw fail("bad variable pattern");
        ({ body, i } = saved);
      }
      variables.push({ fieldPath, start, end: segments.length });
      i = close + 1;
    } else {
      let end = i;
      while (end < body.length && body[end] !== "/") end++;
      const literal = body.slice(i, end);
      if (literal === "" || /[{}*]/.test(literal)) throw fail(`bad literal ${JSON.stringify(literal)}`);
      segments.push({ kind: "literal", literal });
      i = end;
    }
  };
  const readSegments = (inVariable: boolean): void => {
    readSegment(inVariable);
    while (body[i] === "/") {
      i++;
      readSegment(inVariable);
    }
  };
  readSegments(false);
  if (i !== body.length) throw fail(`unexpected ${JSON.stringify(body.slice(i))}`);
  if (segments.filter((s) => s.kind === "multi").length > 1) throw fail("more than one **");
  return { source, segments, variables, verb };
}

/**
 * Matches path components (the path after the leading `/`, split on `/`) against a template.
 * Returns the captured variables by field path, or undefined when it does not match.
 */
export function matchTemplate(template: PathTemplate, components: readonly string[]): Map<string, string> | undefined {
  let comps = components;
  if (template.verb !== "") {
    const last = comps[comps.length - 1] ?? "";
    const suffix = `:${template.verb}`;
    if (!last.endsWith(suffix) || last.length === suffix.length) return undefined;
    comps = [...comps.slice(0, -1), last.slice(0, -suffix.length)];
  }
  const { segments } = template;
  // For each template segment, the [from, to) range of components it consumed.
  const spans: Array<[number, number]> = [];
  let pos = 0;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s] as TemplateSegment;
    if (seg.kind === "multi") {
      const tail = segments.length - s - 1;
      const end = comps.length - tail;
      if (end < pos) return undefined;
      spans.push([pos, end]);
      pos = end;
      continue;
    }
    if (pos >= comps.length) return undefined;
    if (seg.kind === "literal" && comps[pos] !== seg.literal) return undefined;
    spans.push([pos, pos + 1]);
    pos++;
  }
  if (pos !== comps.length) return undefined;
  const captured = new Map<string, string>();
  for (const v of template.variables) {
    const from = spans[v.start]?.[0] ?? pos;
    const to = spans[v.end - 1]?.[1] ?? from;
    captured.set(v.fieldPath, comps.slice(from, to).join("/"));
  }
  return captured;
}

const RANK: Record<SegmentKind, number> = { literal: 2, single: 1, multi: 0 };

/**
 * Orders templates most specific first: at the first differing segment a literal beats a variable, and a
 * single-segment wildcard beats `**`; then a verb beats none; then more segments first.
 */
export function compareSpecificity(a: PathTemplate, b: PathTemplate): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const ra = RANK[(a.segments[i] as TemplateSegment).kind];
    const rb = RANK[(b.segments[i] as TemplateSegment).kind];
    if (ra !== rb) return rb - ra;
  }
  if ((a.verb === "") !== (b.verb === "")) return a.verb === "" ? 1 : -1;
  return b.segments.length - a.segments.length;
}
