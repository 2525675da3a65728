// Matches one filter expression exactly as upstream's Go regexp `(.+)\((.+),\s?(.+)\)` (unanchored,
// leftmost-first, greedy) does — written as a linear scan so a hostile filter string cannot cause
// catastrophic backtracking. Semantics reproduced:
//   * `.` is any character but `\n`; `\s` is Go's ASCII class [\t\n\f\r ] (so the optional space after the
//     comma may be a newline, but nothing else may span lines);
//   * the match starts on the first line that contains one; text before it on that line becomes part of the
//     function name, text after the last `)` is ignored;
//   * the function takes the last `(` that still allows a match, the field the last such `,`, the value runs
//     to the last `)` of its line.
// filter-match.test.ts checks this against the regular expression itself on random strings.

export interface FilterMatch {
  fn: string;
  field: string;
  value: string;
}

const isSpace = (c: string | undefined) => c === "\t" || c === "\n" || c === "\f" || c === "\r" || c === " ";

export function matchFilterExpression(s: string): FilterMatch | undefined {
  let lineStart = 0;
  while (lineStart <= s.length) {
    let lineEnd = s.indexOf("\n", lineStart);
    if (lineEnd < 0) lineEnd = s.length;
    const m = matchInLine(s, lineStart, lineEnd);
    if (m) return m;
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** Index of the last `)` in the line [lineStart, lineEnd), or -1. */
function lastClose(s: string, lineStart: number, lineEnd: number): number {
  const k = lineEnd > 0 ? s.lastIndexOf(")", lineEnd - 1) : -1;
  return k >= lineStart ? k : -1;
}

function matchInLine(s: string, p: number, e: number): FilterMatch | undefined {
  // Greedy field: the largest comma j (within this line) for which the rest `\s?(.+)\)` matches. Whether a
  // comma works does not depend on where the `(` is, so find the largest valid comma first. The value either
  // stays on this line (ending at the line's last `)`) or, when the optional space is the newline, is on the next.
  const closeHere = lastClose(s, p, e);
  let closeNext = -2; // computed lazily: the next line's last `)`
  for (let j = s.lastIndexOf(",", e - 1); j >= p + 2; j = s.lastIndexOf(",", j - 1)) {
    let valueStart = -1;
    let close = -1;
    if (j + 1 === e && e < s.length) {
      // The comma ends the line: only `\s?` = "\n" can continue, with the value on the next line.
      if (closeNext === -2) {
        let e2 = s.indexOf("\n", e + 1);
        if (e2 < 0) e2 = s.length;
        closeNext = lastClose(s, e + 1, e2);
      }
      if (closeNext >= e + 2) {
        valueStart = e + 1;
        close = closeNext;
      }
    } else if (isSpace(s[j + 1]) && closeHere >= j + 3) {
      valueStart = j + 2;
      close = closeHere;
    } else if (closeHere >= j + 2) {
      valueStart = j + 1;
      close = closeHere;
    }
    if (close < 0) continue;
    // Greedy function: the last `(` with a non-empty function before it and a non-empty field after it.
    // If there is none, no smaller comma can help: it only narrows the range a `(` may be in.
    const i = s.lastIndexOf("(", j - 2);
    return i > p ? { fn: s.slice(p, i), field: s.slice(i + 1, j), value: s.slice(valueStart, close) } : undefined;
  }
  return undefined;
}
