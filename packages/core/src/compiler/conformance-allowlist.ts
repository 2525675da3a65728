// Fixtures whose compiled output is allowed to differ from upstream's golden, each with the reason (also written in
// docs/compatibility.md, which the conformance test checks) and the normalization applied to both sides before
// comparing. Keep this list empty unless a difference is deliberate.
import type { JsonValue } from "@bufbuild/protobuf";

export interface AllowedDifference {
  /** Fixture base name, e.g. `026_core.control_flow.conditions.multiplier_2`. */
  fixture: string;
  reason: string;
  /** Applied to the protobuf JSON of ours and of the golden before comparing them. */
  normalize: (json: JsonValue) => JsonValue;
}

export const ALLOWED_DIFFERENCES: readonly AllowedDifference[] = [];
