// The controller's view of admin over @aloft/client (upstream's standalone deployment: AdminServiceDataProvider): the
// active projects with their domains, and a project-domain's CLUSTER_RESOURCE attributes (NOT_FOUND = none).
import { Code, ConnectError } from "@connectrpc/connect";
import { MatchableResource } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { Project_ProjectState } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { listAll, type AloftClient } from "@aloft/client";
import type { ClusterResourceData } from "./controller.ts";

export function adminClusterResourceData(client: AloftClient): ClusterResourceData {
  return {
    async projects() {
      const out: Array<{ id: string; domains: string[] }> = [];
      for await (const p of listAll(client, "listProjects", {})) {
        if (p.state !== Project_ProjectState.ARCHIVED) out.push({ id: p.id, domains: p.domains.map((d) => d.id) });
      }
      return out;
    },
    async attributes(project, domain) {
      try {
        const res = await client.admin.getProjectDomainAttributes({
          project,
          domain,
          resourceType: MatchableResource.CLUSTER_RESOURCE,
        });
        const target = res.attributes?.matchingAttributes?.target;
        return target?.case === "clusterResourceAttributes" ? { ...target.value.attributes } : {};
      } catch (err) {
        if (ConnectError.from(err).code === Code.NotFound) return {};
        throw err;
      }
    },
  };
}
