// A small YAML writer for the manifests the operator ships (deploy/operator/*.yaml, `aloft operator --print-crd`):
// mappings, sequences and scalars, strings quoted as JSON whenever plain style could be misread.
type Value = unknown;

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = new Set(["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"]);

function scalar(v: Value): string {
  if (typeof v === "string") {
    if (PLAIN.test(v) && !RESERVED.has(v.toLowerCase())) return v;
    // Single quotes when that spares escaping double quotes (as Biome's YAML formatter writes them).
    if (v.includes('"') && !v.includes("'") && !/[\\\n\t]/.test(v)) return `'${v}'`;
    return JSON.stringify(v);
  }
  if (v === null || v === undefined) return "null";
  return String(v);
}

const isObject = (v: Value): v is Record<string, Value> => typeof v === "object" && v !== null && !Array.isArray(v);

function lines(v: Value, indent: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${indent}[]`];
    return v.flatMap((item) => {
      if (!isObject(item) && !Array.isArray(item)) return [`${indent}- ${scalar(item)}`];
      const inner = lines(item, `${indent}  `);
      const first = inner[0]!.slice(indent.length + 2);
      return [`${indent}- ${first}`, ...inner.slice(1)];
    });
  }
  if (isObject(v)) {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([k, x]) => {
      const key = scalar(k);
      if (isObject(x) && Object.keys(x).length > 0) return [`${indent}${key}:`, ...lines(x, `${indent}  `)];
      if (Array.isArray(x) && x.length > 0) return [`${indent}${key}:`, ...lines(x, `${indent}  `)];
      if (isObject(x)) return [`${indent}${key}: {}`];
      if (Array.isArray(x)) return [`${indent}${key}: []`];
      return [`${indent}${key}: ${scalar(x)}`];
    });
  }
  return [`${indent}${scalar(v)}`];
}

/** `docs` as a YAML stream (documents separated by `---`). */
export function toYaml(...docs: Value[]): string {
  return docs.map((d) => `${lines(d, "").join("\n")}\n`).join("---\n");
}
