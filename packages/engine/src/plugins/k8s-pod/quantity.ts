// Pod resource quantities on core's exact Kubernetes quantities: a value that is not a quantity is a bad task, as the
// API server would reject the pod.
import { AloftError, Code, compareQuantities, parseQuantity, type Quantity } from "@aloft/core";

/** The quantity; INVALID_ARGUMENT when the text is not one. */
export function checkedQuantity(text: string): Quantity {
  try {
    return parseQuantity(text.trim());
  } catch {
    throw new AloftError(Code.INVALID_ARGUMENT, "pod.bad_quantity", `"${text}" is not a resource quantity`);
  }
}

/** The smaller of two quantities, as written (the text of the one kept). */
export function minQuantity(a: string, b: string): string {
  return compareQuantities(checkedQuantity(b), checkedQuantity(a)) < 0 ? b : a;
}

/** a > b. */
export function exceeds(a: string, b: string): boolean {
  return compareQuantities(checkedQuantity(a), checkedQuantity(b)) > 0;
}
