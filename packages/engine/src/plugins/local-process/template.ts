// Command-line templating of container tasks (flyteplugins pluginmachinery/core/template, upstream flyteplugins/go/tasks/pluginmachinery/core/template/template.go).
// Case-insensitive, `{{ .Name }}` or `{{ $Name }}`. Paths are substituted as template-context.ts gives them: plain
// absolute paths for the local blob store (flytekit reads and writes them as local files and can check the Blob
// literals it records with them), so `pyflyte-execute --inputs {{.input}} --output-prefix {{.outputPrefix}}` works
// unchanged.
//
// `{{.Inputs.x}}` substitutes the value as it is, exactly as upstream does: in `sh -c "echo {{.Inputs.x}}"` a value
// such as `$(id)` runs as a command (docs/operations.md, "Task inputs and the shell"). The safe forms, Aloft
// extensions: `{{.Inputs.x | shellquote}}` substitutes the value as one POSIX-shell word (single-quoted), and every
// input is also in the task's environment as FLYTE_INPUT_<name> (input-env.ts), so `sh -c 'echo "$FLYTE_INPUT_x"'`
// never parses it.
import type { LiteralMap, Literal, Scalar, Primitive } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { invalidArgument } from "@aloft/core";
import { goDuration, goFloat, goTimestamp } from "./go-format.ts";
import { renderMsgpack } from "./msgpack-value.ts";

export interface TemplateParams {
  inputsUri: string;
  /** The node data directory (where inputs.pb and task.pb live). */
  inputPrefix: string;
  outputPrefix: string;
  rawOutputPrefix: string;
  checkpointPrefix: string;
  /** "" on a first attempt: rendered as the two characters `""`, as upstream does. */
  previousCheckpointPrefix: string;
  generatedName: string;
  namespace: string;
  /** Writes task.pb on first use and returns its URI (only called when a template asks for it). */
  taskTemplatePath: () => Promise<string>;
  /** Reads the inputs (only called when a template uses `{{.Inputs.x}}`); undefined when there are none. */
  inputs: () => Promise<LiteralMap | undefined>;
}

const pattern = (name: string) => new RegExp(`{{\\s*[.$]${name}\\s*}}`, "gi");
const INPUT = pattern("Input");
const INPUT_PREFIX = pattern("InputPrefix");
const OUTPUT_PREFIX = pattern("OutputPrefix");
const RAW_OUTPUT = pattern("RawOutputDataPrefix");
const PER_RETRY_KEY = pattern("PerRetryUniqueKey");
const TASK_TEMPLATE = pattern("TaskTemplatePath");
const PREV_CHECKPOINT = pattern("PrevCheckpointPrefix");
const CHECKPOINT = pattern("CheckpointOutputPrefix");
const NAMESPACE = pattern("Namespace");
const INPUT_VAR = /{{\s*[.$]Inputs\.([^}\s|]+)\s*(?:\|\s*(shellquote)\s*)?}}/gi;

/** One POSIX-shell word holding `value` literally: single quotes, each `'` written as `'\''`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/** `{{.PerRetryUniqueKey}}`: the generated name made identifier-safe. */
export function perRetryUniqueKey(generatedName: string): string {
  return generatedName.replace(/^[^a-zA-Z_]+/, "a").replace(/[^a-zA-Z0-9_]+/g, "_");
}

/** Renders every argument; INVALID_ARGUMENT (`template.*`) when an input cannot be rendered. */
export async function renderTemplates(args: readonly string[], params: TemplateParams): Promise<string[]> {
  const out: string[] = [];
  let inputs: LiteralMap | undefined | null = null; // null = not read yet
  for (const arg of args) {
    // Functions as replacements: a path containing "$&" must be inserted literally.
    let v = arg.replace(INPUT, () => params.inputsUri);
    v = v.replace(OUTPUT_PREFIX, () => params.outputPrefix);
    v = v.replace(INPUT_PREFIX, () => params.inputPrefix);
    v = v.replace(RAW_OUTPUT, () => params.rawOutputPrefix);
    const prev = params.previousCheckpointPrefix === "" ? '""' : params.previousCheckpointPrefix;
    v = v.replace(PREV_CHECKPOINT, () => prev);
    v = v.replace(CHECKPOINT, () => params.checkpointPrefix);
    v = v.replace(PER_RETRY_KEY, () => perRetryUniqueKey(params.generatedName));
    if (new RegExp(TASK_TEMPLATE.source, "i").test(v)) {
      const path = await params.taskTemplatePath();
      v = v.replace(TASK_TEMPLATE, () => path);
    }
    v = v.replace(NAMESPACE, () => params.namespace);
    if (new RegExp(INPUT_VAR.source, "i").test(v)) {
      if (inputs === null) inputs = await params.inputs();
      const literals = inputs?.literals;
      // Upstream leaves `{{.Inputs.x}}` untouched when the task has no inputs at all.
      if (literals !== undefined && Object.keys(literals).length > 0) v = renderInputs(v, literals);
    }
    out.push(v);
  }
  return out;
}

function renderInputs(value: string, literals: { [k: string]: Literal }): string {
  const errors: string[] = [];
  const rendered = value.replace(INPUT_VAR, (match, name: string, filter: string | undefined) => {
    const lit = literals[name];
    if (lit === undefined) {
      errors.push(`input template [${match}]: requested input is not found [${name}]`);
      return "";
    }
    try {
      const text = renderLiteral(lit);
      return filter === undefined ? text : shellQuote(text);
    } catch (e) {
      errors.push(`input template [${match}]: failed to bind a value to inputName [${name}]: ${(e as Error).message}`);
      return "";
    }
  });
  if (errors.length > 0) throw invalidArgument("template.bad_input", errors.map((e, i) => `${i}: ${e}`).join("\r\n"));
  return rendered;
}

/** A literal as `{{.Inputs.x}}` shows it: primitives Go-formatted, blobs/schemas by URI, collections `[a,b]`. */
export function renderLiteral(lit: Literal): string {
  switch (lit.value.case) {
    case "scalar":
      return renderScalar(lit.value.value);
    case "collection":
      return `[${lit.value.value.literals.map(renderLiteral).join(",")}]`;
    default:
      throw new Error(`received an unexpected literal type [${lit.value.case ?? "empty"}]`);
  }
}

function renderScalar(s: Scalar): string {
  switch (s.value.case) {
    case "primitive":
      return renderPrimitive(s.value.value);
    case "blob":
      return s.value.value.uri;
    case "schema":
      return s.value.value.uri;
    case "binary":
      if (s.value.value.tag !== "msgpack") throw new Error(`unsupported binary tag [${s.value.value.tag}]`);
      return renderMsgpack(s.value.value.value);
    default:
      throw new Error(`received an unexpected scalar type [${s.value.case ?? "empty"}]`);
  }
}

function renderPrimitive(p: Primitive): string {
  switch (p.value.case) {
    case "integer":
      return p.value.value.toString();
    case "floatValue":
      return goFloat(p.value.value);
    case "stringValue":
      return p.value.value;
    case "boolean":
      return p.value.value ? "true" : "false";
    case "datetime":
      return goTimestamp(p.value.value.seconds, p.value.value.nanos);
    case "duration":
      return goDuration(p.value.value.seconds * 1_000_000_000n + BigInt(p.value.value.nanos));
    default:
      throw new Error("received an unexpected primitive type [empty]");
  }
}
