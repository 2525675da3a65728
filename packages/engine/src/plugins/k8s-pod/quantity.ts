// Kubernetes resource quantities (k8s.io/apimachinery resource.Quantity), just enough to compare and clamp them:
// decimal suffixes (m, k, M, G, T, P, E), binary ones (Ki … Ei) and exponents (1e3). A value that is not a quantity is
// a bad task, as the API server would reject the pod.
import { AloftError, Code } from "@aloft/core";

const SUFFIX: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** The value of a quantity in base units (cores, bytes); INVALID_ARGUMENT when it is not one. */
export function parseQuantity(text: string): number {
  const m = QUANTITY.exec(text.trim());
  if (!m) throw new AloftError(Code.INVALID_ARGUMENT, "pod.bad_quantity", `"${text}" is not a resource quantity`);
  const base = Number(m[1]);
  if (m[3] !== undefined) return base * 10 ** Number(m[3]);
  return base * SUFFIX[m[2] ?? ""]!;
}

/** The smaller of two quantities, as written (the text of the one kept). */
export function minQuantity(a: string, b: string): string {
  return parseQuantity(b) < parseQuantity(a) ? b : a;
}

/** a > b. */
export function exceeds(a: string, b: string): boolean {
  return parseQuantity(a) > parseQuantity(b);
}
