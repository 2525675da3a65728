// A closed-loop load generator: `concurrency` workers issue requests back to back; latency per request.
export interface LoadResult {
  name: string;
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

export async function runLoad(
  name: string,
  count: number,
  concurrency: number,
  call: () => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      next++;
      const t0 = process.hrtime.bigint();
      try {
        await call();
      } catch {
        errors++;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { name, requests: count, seconds, rps: count / seconds, p50ms: pct(50), p99ms: pct(99), errors };
}

export function printTable(rows: LoadResult[], baseline: LoadResult): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(
    `${pad("scenario", 40)}${pad("req/s", 10)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("errors", 8)}vs baseline`,
  );
  for (const r of rows) {
    console.log(
      `${pad(r.name, 40)}${pad(r.rps.toFixed(0), 10)}${pad(r.p50ms.toFixed(2), 9)}${pad(r.p99ms.toFixed(2), 9)}${pad(String(r.errors), 8)}${(r.rps / baseline.rps).toFixed(2)}x`,
    );
  }
}
