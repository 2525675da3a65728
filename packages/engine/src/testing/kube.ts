// Test support for the Kubernetes mode: the test API server with the FlyteWorkflow CRD of deploy/crds installed and
// the namespaces given, and a FlyteWorkflow resource as admin's Kubernetes executor would create it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { parseYaml } from "@aloft/core/testing";
import { createKubeApi, type KubeApi, type KubeObject, resources } from "@aloft/kube";
import { eventually, startTestApiServer, type TestApiServer } from "@aloft/kube/testing";
import { buildFlyteWorkflow } from "../flyteworkflow/build.ts";
import { prepareFlyteWorkflow } from "../flyteworkflow/prepare.ts";
import { flyteWorkflows } from "../kube/resource.ts";

const CRD = join(import.meta.dirname, "../../../../deploy/crds/flyteworkflow.yaml");

export interface FlyteWorkflowApi {
  server: TestApiServer;
  api: KubeApi;
  close(): Promise<void>;
}

export async function startFlyteWorkflowApi(namespaces: readonly string[]): Promise<FlyteWorkflowApi> {
  const server = await startTestApiServer({ bookmarkIntervalMs: 200 });
  const api = createKubeApi(server.kubeConfig(), { fieldManager: "aloft-test" });
  await api.create(resources.customResourceDefinitions, parseYaml(readFileSync(CRD, "utf8")) as KubeObject);
  await eventually(
    () =>
      api.list(flyteWorkflows).then(
        () => true,
        () => false,
      ),
    "the FlyteWorkflow kind to be served",
  );
  for (const name of namespaces) await api.create(resources.namespaces, { metadata: { name } });
  return { server, api, close: () => server.close() };
}

/** The resource admin would create for an execution of `closure` (build + prepare, the CRD's kind). */
export function flyteWorkflowResource(
  closure: CompiledWorkflowClosure,
  inputs: LiteralMap,
  id: { project: string; domain: string; name: string },
  namespace: string,
  acceptedAt = Date.now(),
): KubeObject {
  const wf = prepareFlyteWorkflow(buildFlyteWorkflow(closure, inputs, id, namespace), {
    executionId: { $typeName: "flyteidl.core.WorkflowExecutionIdentifier", org: "", ...id },
    acceptedAt,
    eventVersion: 2,
  });
  return { ...(wf as unknown as KubeObject), kind: "FlyteWorkflow" };
}
