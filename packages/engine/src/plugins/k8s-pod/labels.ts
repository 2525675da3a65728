// Label values and object names the API server accepts (k8s.io/apimachinery validation; upstream
// flytepropeller/pkg/utils k8s.go SanitizeLabelValue): values ≤ 63 characters of [A-Za-z0-9-_.], starting and ending
// alphanumeric; container names DNS-1123 labels.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** A label value from any string: lower case, invalid runs → "-", at most 63 characters, alphanumeric ends. */
export function sanitizeLabelValue(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-_.]+/g, "-")
    .slice(0, 63)
    .replace(/^[^a-z0-9]+/, "")
    .replace(/[^a-z0-9]+$/, "");
}

/** An object name from any string (DNS-1123 subdomain): lower case, invalid runs → "-", ≤ 253, alphanumeric ends. */
export function sanitizeObjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .slice(0, 253)
    .replace(/^[^a-z0-9]+/, "")
    .replace(/[^a-z0-9]+$/, "");
}
