// Building the request message of a routed call: the body (for `body: "*"` or a body field) decoded with the
// inbound marshaler, then path variables (which override body fields), then — unless the body is `*` — query
// parameters (and, for a form POST standing in for another method, the form fields).
import type { IncomingMessage } from "node:http";
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { AloftError, Code } from "@aloft/core";
import { discardBody, readBody } from "./body.ts";
import { populateFieldFromPath } from "./field-binding.ts";
import { parseGoInt } from "./go-parse.ts";
import type { Marshaler } from "./marshalers.ts";
import { bindQuery, parseGoQuery, type QueryValues } from "./query.ts";
import type { Route } from "./router.ts";

export interface BindInput {
  route: Route;
  params: ReadonlyMap<string, string>;
  /** The raw query string (after `?`, not decoded). */
  rawQuery: string;
  /**
   * A POST x-www-form-urlencoded standing in for another method (GET fallback or X-HTTP-Method-Override): the
   * body holds form fields, which join the query; a `body` rule then sees an already consumed (empty) body.
   */
  formBody: boolean;
  req: IncomingMessage;
  inbound: Marshaler;
  maxBodyBytes: number;
}

const invalid = (message: string) => new AloftError(Code.INVALID_ARGUMENT, "http.bad_request", message);

function decode(marshaler: Marshaler, schema: DescMessage, body: Uint8Array): Message {
  try {
    return marshaler.unmarshal(schema, body);
  } catch (err) {
    throw invalid(err instanceof Error ? err.message : String(err));
  }
}

export async function bindRequest(input: BindInput): Promise<Message> {
  const { route, req } = input;
  const schema = route.desc.input;
  let message: Message;
  let form: QueryValues | undefined;
  if (input.formBody) {
    const parsed = parseGoQuery((await readBody(req, input.maxBodyBytes)).toString("utf8"));
    if (parsed.error !== undefined) throw invalid(parsed.error);
    form = parsed.values;
    message = create(schema);
  } else if (route.body === "*") {
    message = decode(input.inbound, schema, await readBody(req, input.maxBodyBytes));
  } else if (route.body !== "") {
    const field = schema.fields.find((f) => f.name === route.body);
    const body = await readBody(req, input.maxBodyBytes);
    message = create(schema);
    if (field?.fieldKind === "message") {
      reflect(schema, message).set(field, reflect(field.message, decode(input.inbound, field.message, body)));
    }
  } else {
    discardBody(req);
    message = create(schema);
  }
  const msg = reflect(schema, message);
  for (const [fieldPath, value] of input.params) bindPathVariable(msg, fieldPath, value);
  if (route.body !== "*") {
    const parsed = parseGoQuery(input.rawQuery, form);
    if (parsed.error !== undefined) throw invalid(parsed.error);
    try {
      bindQuery(msg, parsed.values, route.queryFilter);
    } catch (err) {
      throw invalid(err instanceof Error ? err.message : String(err));
    }
  }
  return message;
}

/**
 * A path variable into its field. Top-level enum variables use runtime.Enum (name or number, "X is not valid"),
 * everything else runtime.PopulateFieldFromPath; failures read `type mismatch, parameter: <path>, error: ...`.
 */
function bindPathVariable(msg: ReflectMessage, fieldPath: string, value: string): void {
  const mismatch = (why: string) => invalid(`type mismatch, parameter: ${fieldPath}, error: ${why}`);
  const top = msg.desc.fields.find((f) => f.name === fieldPath);
  if (top?.fieldKind === "enum") {
    const byName = top.enum.values.find((v) => v.name === value);
    let number = byName?.number;
    if (number === undefined) {
      try {
        const n = Number(parseGoInt(value, 32));
        if (top.enum.values.some((v) => v.number === n)) number = n;
      } catch {
        // not a number either
      }
    }
    if (number === undefined) throw mismatch(`${value} is not valid`);
    msg.set(top, number);
    return;
  }
  try {
    populateFieldFromPath(msg, fieldPath.split("."), [value]);
  } catch (err) {
    throw mismatch(err instanceof Error ? err.message : String(err));
  }
}
