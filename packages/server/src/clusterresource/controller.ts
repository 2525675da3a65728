// The cluster resource controller (upstream flyteadmin/pkg/clusterresource/controller.go; `aloft clusterresource sync
// | run`): for every active project and each of its domains, the namespace of `kubernetes.namespaceTemplate` exists and
// holds the objects of the templates, rendered with that project-domain's values. Applied with server-side apply under
// its own field manager (upstream: create, else a three-way merge patch), so a re-run changes only what the templates
// changed, edits by others to other fields survive, and a sync after a restart is as idempotent as the next one.
// An object whose rendering did not change since this process last applied it is not sent again (upstream's checksum
// cache). One bad template, namespace or project never stops the others: errors are collected and reported.
import { isNotFound, resources, type KubeApi, type KubeObject } from "@aloft/kube";
import { namespaceFor, type ClusterResourceValue, type Logger } from "@aloft/core";
import { loadTemplates, render, templateValues, type RenderedObject } from "./templates.ts";

export const FIELD_MANAGER = "aloft-clusterresource";

/** What the controller reads from admin: the active projects, and a project-domain's CLUSTER_RESOURCE attributes. */
export interface ClusterResourceData {
  projects(): Promise<Array<{ id: string; domains: string[] }>>;
  /** `{}` when the project-domain has none. */
  attributes(project: string, domain: string): Promise<Record<string, string>>;
}

export interface ClusterResourceOptions {
  api: KubeApi;
  data: ClusterResourceData;
  /** `*.yaml` templates ("" = namespaces only). */
  templatePath: string;
  templateData: readonly ClusterResourceValue[];
  namespaceTemplate: string;
  logger: Logger;
}

export interface SyncStats {
  namespaces: number;
  created: number;
  updated: number;
  unchanged: number;
  /** One line per failure: the namespace (or project) and what went wrong. */
  errors: string[];
}

export class ClusterResourceController {
  readonly #o: ClusterResourceOptions;
  /** `<namespace>/<file>#<doc>` → checksum of what was last applied from it. */
  readonly #applied = new Map<string, string>();

  constructor(options: ClusterResourceOptions) {
    this.#o = options;
  }

  async sync(): Promise<SyncStats> {
    const { data, logger } = this.#o;
    const stats: SyncStats = { namespaces: 0, created: 0, updated: 0, unchanged: 0, errors: [] };
    const templates = await loadTemplates(this.#o.templatePath);
    for (const project of await data.projects()) {
      for (const domain of project.domains) {
        const namespace = namespaceFor(this.#o.namespaceTemplate, project.id, domain);
        const fail = (what: string, err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          stats.errors.push(`${namespace}: ${what}: ${message}`);
          logger.warn({ namespace, err }, `cluster resources: ${what} failed`);
        };
        let values: Map<string, string>;
        try {
          const attributes = await data.attributes(project.id, domain);
          values = templateValues(this.#o.templateData, attributes, { namespace, project: project.id, domain });
          await this.#ensureNamespace(namespace, stats);
        } catch (err) {
          fail("preparing the namespace", err);
          continue;
        }
        stats.namespaces++;
        for (const template of templates) {
          let objects: RenderedObject[];
          try {
            objects = render(template, values);
          } catch (err) {
            fail(template.file, err);
            continue;
          }
          for (const rendered of objects) {
            try {
              await this.#apply(namespace, rendered, stats);
            } catch (err) {
              fail(`${rendered.source} (${rendered.object.kind} ${rendered.object.metadata.name})`, err);
            }
          }
        }
      }
    }
    logger.info({ ...stats, errors: stats.errors.length }, "cluster resources synced for every project-domain");
    return stats;
  }

  async #ensureNamespace(name: string, stats: SyncStats): Promise<void> {
    const { api } = this.#o;
    try {
      await api.get(resources.namespaces, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await api.create(resources.namespaces, { metadata: { name } }, { fieldManager: FIELD_MANAGER });
      stats.created++;
    }
  }

  async #apply(namespace: string, rendered: RenderedObject, stats: SyncStats): Promise<void> {
    const { api } = this.#o;
    const key = `${namespace}/${rendered.source}`;
    if (this.#applied.get(key) === rendered.checksum) {
      stats.unchanged++;
      return;
    }
    const type = await api.resourceType(rendered.object.apiVersion, rendered.object.kind);
    const object: KubeObject = type.namespaced
      ? { ...rendered.object, metadata: { ...rendered.object.metadata, namespace } }
      : rendered.object;
    const name = object.metadata.name!;
    const at = type.namespaced ? { namespace } : {};
    const before = await api.get(type, name, at).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const after = await api.apply(type, object, { fieldManager: FIELD_MANAGER, force: true });
    if (before === undefined) stats.created++;
    else if (after.metadata.resourceVersion !== before.metadata.resourceVersion) stats.updated++;
    else stats.unchanged++;
    this.#applied.set(key, rendered.checksum);
  }
}
