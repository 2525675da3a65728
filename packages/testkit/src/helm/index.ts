// A renderer for Helm charts (the Go text/template + Sprig subset our chart uses, with `helm template` semantics), for
// tests on machines without the helm binary. Anything it does not implement throws TemplateError; nothing is rendered
// approximately.
export { renderChart } from "./chart.ts";
export type { RenderOptions, RenderedChart, RenderedDocument } from "./chart.ts";
export { TemplateError } from "./errors.ts";
export { TemplateSet } from "./exec.ts";
