// The CRD manifest (deploy/crds/flyteworkflow.yaml) is a valid apiextensions.k8s.io/v1 definition of the resource
// the builder writes: names as upstream's, one served+stored version, a structural schema that preserves the
// whole object (upstream validates nothing), and neither printer columns nor subresources (upstream has none).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseYaml } from "@aloft/core/testing";
import {
  FLYTE_WORKFLOW_API_VERSION,
  FLYTE_WORKFLOW_GROUP,
  FLYTE_WORKFLOW_KIND,
  FLYTE_WORKFLOW_PLURAL,
  FLYTE_WORKFLOW_VERSION,
} from "./types.ts";

const manifest = join(import.meta.dirname, "../../../../deploy/crds/flyteworkflow.yaml");

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; listKind?: string };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema?: { openAPIV3Schema?: Record<string, unknown> };
      subresources?: unknown;
      additionalPrinterColumns?: unknown;
    }[];
  };
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe("deploy/crds/flyteworkflow.yaml", () => {
  const crd = parseYaml(readFileSync(manifest, "utf8")) as Crd;

  it("is an apiextensions.k8s.io/v1 CustomResourceDefinition named <plural>.<group>", () => {
    assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
    assert.equal(crd.kind, "CustomResourceDefinition");
    assert.equal(crd.metadata.name, `${crd.spec.names.plural}.${crd.spec.group}`);
    assert.match(crd.spec.group, dns1123Subdomain);
    assert.ok(crd.spec.group.includes("."), "a CRD group needs at least one dot");
  });

  it("names the resource the builder writes", () => {
    assert.equal(crd.spec.group, FLYTE_WORKFLOW_GROUP);
    assert.equal(crd.spec.names.plural, FLYTE_WORKFLOW_PLURAL);
    assert.equal(crd.spec.names.kind, "FlyteWorkflow");
    assert.equal(crd.spec.names.kind.toLowerCase(), FLYTE_WORKFLOW_KIND);
    assert.equal(crd.spec.names.singular, "flyteworkflow");
    assert.deepEqual(crd.spec.names.shortNames, ["fly"]);
    for (const n of [crd.spec.names.plural, crd.spec.names.singular, ...(crd.spec.names.shortNames ?? [])]) {
      assert.match(n, dns1123Label);
    }
    assert.match(crd.spec.names.kind, /^[A-Z][A-Za-z0-9]*$/);
    assert.equal(crd.spec.scope, "Namespaced");
    assert.equal(`${crd.spec.group}/${crd.spec.versions[0]?.name}`, FLYTE_WORKFLOW_API_VERSION);
  });

  it("serves and stores exactly v1alpha1 with a structural, preserve-unknown-fields schema", () => {
    assert.equal(crd.spec.versions.length, 1);
    const [v] = crd.spec.versions;
    assert.equal(v?.name, FLYTE_WORKFLOW_VERSION);
    assert.equal(v?.served, true);
    assert.equal(v?.storage, true);
    const schema = v?.schema?.openAPIV3Schema;
    assert.ok(schema, "apiextensions/v1 requires a schema for every version");
    assert.equal(schema["type"], "object", "a structural schema has a type at its root");
    assert.equal(schema["x-kubernetes-preserve-unknown-fields"], true);
    assert.equal(v?.subresources, undefined, "upstream has no status subresource: status is written with the object");
    assert.equal(v?.additionalPrinterColumns, undefined, "upstream defines no printer columns");
  });
});
