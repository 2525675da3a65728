// Signals of approve and signal gate nodes (flyteidl.service.SignalService, upstream flyteidl/protos/flyteidl/service/admin.proto): the engine creates a signal
// with the type its gate expects and polls for its value; users list an execution's signals and set their values.
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  SignalListSchema,
  SignalSetResponseSchema,
  type Signal,
  type SignalGetOrCreateRequest,
  type SignalList,
  type SignalListRequest,
  type SignalSetRequest,
  type SignalSetResponse,
} from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import { areTypesCastable, literalTypeForLiteral, literalTypeText, validateLiteralType } from "@aloft/core";
import { protoText } from "@aloft/core";
import { alreadyExists, invalidArgument } from "@aloft/core";
import type { Logger } from "@aloft/core";
import { makeFilter, nextToken, parseListParams } from "../list/index.ts";
import type { SignalKey, SignalRepo } from "../repositories/signal-repo.ts";
import {
  validateSignalGetOrCreateRequest,
  validateSignalListRequest,
  validateSignalSetRequest,
  type ValidSignalId,
} from "../validation/signal-validator.ts";
import { toSignal } from "../transformers/signal-transformer.ts";
import { executionNotFound, signalNotFound } from "./not-found.ts";

export interface SignalManagerDeps {
  repo: SignalRepo;
  logger: Logger;
}

export class SignalManager {
  constructor(private readonly deps: SignalManagerDeps) {}

  /**
   * Insert-if-absent keyed by (execution, signal_id). The engine calls this on every visit of a waiting gate, so an
   * existing signal is answered with one read. A new signal needs its execution to exist (NOT_FOUND otherwise); a
   * signal that exists with another type is ALREADY_EXISTS (upstream's insert then violates the key).
   */
  async getOrCreate(req: SignalGetOrCreateRequest): Promise<Signal> {
    validateSignalGetOrCreateRequest(req);
    const key = keyOf(req.id);
    let row = await this.deps.repo.get(key);
    if (!row) {
      if (!(await this.deps.repo.executionExists(key))) throw executionNotFound(key);
      row = await this.deps.repo.getOrCreate(key, toBinary(LiteralTypeSchema, req.type));
    }
    const signal = toSignal(row);
    if (!equals(LiteralTypeSchema, signal.type ?? create(LiteralTypeSchema), req.type)) {
      throw alreadyExists(
        "signal.type_conflict",
        `signal [${describe(key)}] already exists with type [${literalTypeText(signal.type)}], not [${literalTypeText(req.type)}]`,
      );
    }
    return signal;
  }

  /** The execution's signals (an unknown execution has none); limit required, filters and sort on signal columns. */
  async list(req: SignalListRequest): Promise<SignalList> {
    validateSignalListRequest(req);
    const params = parseListParams({
      entity: "signal",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListSignals",
      limitRequired: true,
    });
    const e = req.workflowExecutionId;
    const scope = [
      makeFilter("signal", "eq", "execution_project", e.project),
      makeFilter("signal", "eq", "execution_domain", e.domain),
      makeFilter("signal", "eq", "execution_name", e.name),
    ];
    const rows = await this.deps.repo.list({ ...params, filters: [...scope, ...params.filters] });
    return create(SignalListSchema, {
      signals: rows.map(toSignal),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  /** Sets (or overwrites) the value of an existing signal; the value must be castable to the signal's type. */
  async set(req: SignalSetRequest): Promise<SignalSetResponse> {
    validateSignalSetRequest(req);
    const key = keyOf(req.id);
    const row = await this.deps.repo.get(key);
    if (!row) {
      throw invalidArgument(
        "signal.not_found",
        `failed to validate that signal [${describe(key)}] exists, err: [signal does not exist]`,
      );
    }
    const valueType = literalTypeForLiteral(req.value);
    const invalid = validateLiteralType(valueType);
    if (invalid !== undefined)
      throw invalidArgument(
        "signal.invalid_literal_type",
        `Failed to validate literal type for [] with err: ${invalid}`,
      );
    const type = fromBinary(LiteralTypeSchema, row.type);
    if (!areTypesCastable(valueType, type)) {
      throw invalidArgument(
        "signal.value_type",
        `requested signal value [${protoText(LiteralSchema, req.value)}] is not castable to existing signal type [${literalTypeText(type)}]`,
      );
    }
    if (!(await this.deps.repo.setValue(key, toBinary(LiteralSchema, req.value)))) {
      throw signalNotFound();
    }
    this.deps.logger.info(
      { execution: key.name, project: key.project, domain: key.domain, signal: key.signalId },
      "signal set",
    );
    return create(SignalSetResponseSchema);
  }
}

function keyOf(id: ValidSignalId): SignalKey {
  const e = id.executionId;
  return { project: e.project, domain: e.domain, name: e.name, signalId: id.signalId };
}

/** Upstream prints its SignalKey struct with %v: `{{project domain name} signal_id}`. */
function describe(k: SignalKey): string {
  return `{{${k.project} ${k.domain} ${k.name}} ${k.signalId}}`;
}
