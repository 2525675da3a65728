// Checks on user-supplied strings that never allocate per character, so that a huge value costs nothing more than
// one pass over it: code-point length limits, and text the databases cannot store alike (NUL, lone surrogates).
import { invalidArgument } from "@aloft/core";

/**
 * Whether `value` has more than `max` code points (Go's utf8.RuneCountInString, which upstream's length limits use).
 * A string of at most `max` UTF-16 units cannot exceed it and one of more than 2 × `max` units always does; only in
 * between are code points counted, by walking the string.
 */
export function exceedsCodePoints(value: string, max: number): boolean {
  if (value.length <= max) return false;
  if (value.length > 2 * max) return true;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    if (++n > max) return true;
  }
  return false;
}

/**
 * What makes `value` unstorable text, or undefined: a NUL character (PostgreSQL's text types reject it while SQLite
 * keeps it, so the two backends would disagree) or an unpaired UTF-16 surrogate (invalid UTF-8 on the wire, which
 * protobuf decoding turns into one; it cannot be encoded back).
 */
export function textProblem(value: string): string | undefined {
  // Fast path: the common string has neither (one native scan each).
  if (!value.includes("\u0000") && (value as unknown as WellFormed).isWellFormed()) return undefined;
  return value.includes("\u0000") ? "contains a NUL character" : "is not valid UTF-8";
}

/** String.prototype.isWellFormed (ES2024; Node ≥ 20), not yet in the TypeScript lib this project targets. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** INVALID_ARGUMENT naming `field` when `value` cannot be stored as text on every database. */
export function validateText(value: string, field: string): void {
  const problem = textProblem(value);
  if (problem) throw invalidArgument("validation.invalid_text", `invalid value for ${field}: ${problem}`);
}
