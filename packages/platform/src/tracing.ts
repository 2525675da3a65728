// Tracing as configured: core's no-op tracing unless an OTLP endpoint is set. OpenTelemetry (a dozen packages) is
// imported only then, so that a start with tracing off does not load it.
import { noTracing, type Tracing } from "@aloft/core";

export async function createTracing(options: { otlpEndpoint: string; serviceName: string }): Promise<Tracing> {
  if (!options.otlpEndpoint) return noTracing;
  const { otelTracing } = await import("./otel-tracing.ts");
  return otelTracing(options);
}
