// Measures each call of a task plugin's `handle` (upstream's plugin_exec_latency) without touching the task handler:
// the plugin is seen through a proxy whose `handle` is timed; everything else reaches the plugin itself (methods bound
// to it, so plugins with private fields keep working).
import type { TaskPlugin } from "../plugins/plugin.ts";
import type { EngineMetrics } from "./engine-metrics.ts";

export function timedPlugin(plugin: TaskPlugin, metrics: EngineMetrics): TaskPlugin {
  const bound = new Map<PropertyKey, unknown>();
  const handle: TaskPlugin["handle"] = async (ctx, state) => {
    const t0 = performance.now();
    let ok = false;
    try {
      const r = await plugin.handle(ctx, state);
      ok = true;
      return r;
    } finally {
      metrics.pluginHandled(plugin.id, (performance.now() - t0) * 1000, ok);
    }
  };
  return new Proxy(plugin, {
    get(target, prop) {
      if (prop === "handle") return handle;
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      let f = bound.get(prop);
      if (f === undefined) {
        f = (v as (...args: unknown[]) => unknown).bind(target);
        bound.set(prop, f);
      }
      return f;
    },
  });
}
