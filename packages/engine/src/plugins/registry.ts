// Task type → plugin (upstream flytepropeller/pkg/controller/nodes/task/handler.go): the execution's TaskPluginImpls override, then the plugin
// registered for the type, then the default plugin.
import type { TaskPlugin } from "./plugin.ts";

export class PluginRegistry {
  readonly #byId = new Map<string, TaskPlugin>();
  readonly #byType = new Map<string, TaskPlugin>();
  readonly #default: TaskPlugin | undefined;

  constructor(plugins: readonly TaskPlugin[], options: { defaultPluginId?: string } = {}) {
    for (const p of plugins) {
      this.#byId.set(p.id, p);
      for (const t of p.taskTypes) if (!this.#byType.has(t)) this.#byType.set(t, p);
    }
    this.#default = options.defaultPluginId === undefined ? plugins[0] : this.#byId.get(options.defaultPluginId);
  }

  resolve(taskType: string, overrides?: Record<string, string>): TaskPlugin | undefined {
    const overrideId = overrides?.[taskType];
    if (overrideId !== undefined) {
      const p = this.#byId.get(overrideId);
      if (p) return p;
    }
    return this.#byType.get(taskType) ?? this.#default;
  }

  byId(id: string): TaskPlugin | undefined {
    return this.#byId.get(id);
  }
}
