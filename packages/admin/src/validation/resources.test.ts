// Registration's platform limits over core's Kubernetes quantities.
import assert from "node:assert/strict";
import { test } from "node:test";
import { quantityString } from "@aloft/core";
import { platformLimitMap } from "./resources.ts";
import { Resources_ResourceName as RN } from "@aloft/idl/flyteidl/core/tasks_pb.js";

test("platformLimitMap keeps only the limits that are set and non-zero", () => {
  const m = platformLimitMap({ cpu: "2", memory: "1Gi", gpu: "0", ephemeralStorage: "" });
  assert.deepEqual([...m.keys()], [RN.CPU, RN.MEMORY]);
  assert.equal(quantityString(m.get(RN.MEMORY)!), "1Gi");
});
