// Tracing as an interface: admin's RPC middleware opens one server span per call through it. The OpenTelemetry
// implementation (OTLP/HTTP export) is @aloft/platform's otel-tracing.ts, built by the composition root, so that core
// does not pull in OpenTelemetry.

export type SpanAttributeValue = string | number | boolean;

export interface TraceSpan {
  setAttribute(key: string, value: SpanAttributeValue): void;
  /** Marks the span failed (OpenTelemetry status ERROR) with a description. */
  fail(message: string): void;
  end(): void;
}

export interface Tracer {
  /** Runs `fn` in a new server-kind span that is the active span while `fn` runs (spans started inside nest under it). */
  startServerSpan<T>(name: string, attributes: Record<string, SpanAttributeValue>, fn: (span: TraceSpan) => T): T;
}

export interface Tracing {
  tracer: Tracer;
  /** False when no exporter is configured: callers skip tracing altogether. */
  enabled: boolean;
  shutdown(): Promise<void>;
}

const noSpan: TraceSpan = { setAttribute: () => undefined, fail: () => undefined, end: () => undefined };

/** Tracing off: spans cost a function call and go nowhere. */
export const noTracing: Tracing = {
  tracer: { startServerSpan: (_name, _attributes, fn) => fn(noSpan) },
  enabled: false,
  shutdown: async () => undefined,
};
