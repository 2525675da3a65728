// Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource` ParseQuantity) — only the question
// "does this string parse?", which is all the task compiler asks.

const SUFFIXES = new Set(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]);

export function isValidQuantity(value: string): boolean {
  if (value.length === 0) return false;
  let i = 0;
  if (value[0] === "+" || value[0] === "-") i++;
  let digits = 0;
  let dots = 0;
  for (; i < value.length; i++) {
    const c = value[i]!;
    if (c >= "0" && c <= "9") digits++;
    else if (c === ".") dots++;
    else break;
  }
  if (digits === 0 || dots > 1) return false;
  const suffix = value.slice(i);
  if (SUFFIXES.has(suffix)) return true;
  // Decimal exponent: e<int> / E<int>.
  return /^[eE][+-]?[0-9]+$/.test(suffix);
}

/** `k8s.io/apimachinery/pkg/util/validation` IsDNS1123Label. */
export function isDns1123Label(value: string): boolean {
  return value.length > 0 && value.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value);
}
