// OpenTelemetry tracing, on only when an OTLP endpoint is configured; otherwise a no-op tracer costs nothing.
import { trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";

export interface Tracing {
  tracer: Tracer;
  enabled: boolean;
  shutdown(): Promise<void>;
}

export function createTracing(options: { otlpEndpoint: string; serviceName: string }): Tracing {
  if (!options.otlpEndpoint) {
    return { tracer: trace.getTracer("aloft-noop"), enabled: false, shutdown: async () => undefined };
  }
  const url = options.otlpEndpoint.replace(/\/$/, "").endsWith("/v1/traces")
    ? options.otlpEndpoint
    : `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  return {
    tracer: provider.getTracer("aloft"),
    enabled: true,
    shutdown: () => provider.shutdown(),
  };
}
