// OpenTelemetry tracing to an OTLP endpoint (loaded by tracing.ts only when one is configured).
import { SpanKind, SpanStatusCode, type Tracer as OtelTracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import type { Tracer, Tracing } from "@aloft/core";

export function otelTracing(options: { otlpEndpoint: string; serviceName: string }): Tracing {
  const url = options.otlpEndpoint.replace(/\/$/, "").endsWith("/v1/traces")
    ? options.otlpEndpoint
    : `${options.otlpEndpoint.replace(/\/$/, "")}/v1/traces`;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  return {
    tracer: otelTracer(provider.getTracer("aloft")),
    enabled: true,
    shutdown: () => provider.shutdown(),
  };
}

function otelTracer(tracer: OtelTracer): Tracer {
  return {
    startServerSpan: (name, attributes, fn) =>
      tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, (span) =>
        fn({
          setAttribute: (key, value) => void span.setAttribute(key, value),
          fail: (message) => void span.setStatus({ code: SpanStatusCode.ERROR, message }),
          end: () => span.end(),
        }),
      ),
  };
}
