// Every failure of the renderer: a template error (as Helm reports it), or a feature this renderer does not implement
// (never rendered approximately).
export class TemplateError extends Error {
  override name = "TemplateError";
}

export function unsupported(what: string): TemplateError {
  return new TemplateError(`not supported by the test Helm renderer: ${what}`);
}
