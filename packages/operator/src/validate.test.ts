// The operator's own spec checks (the ones a CRD schema cannot make, or an older CRD did not).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TrackingServerSpec } from "./types.ts";
import { parseServerUrl, validateSpec } from "./validate.ts";

const valid: TrackingServerSpec = {
  size: 1,
  image: "mlflow",
  url: "https://mlflow.example.com/platform",
  artifact_root: "s3://mlflow/",
  backend_uri: "sqlite:////mlflow/mlflow.db",
};

test("a valid spec has no problems; optional fields empty as in the seed's sample are unset", () => {
  assert.deepEqual(validateSpec(valid), []);
  assert.deepEqual(validateSpec({ ...valid, volumeSize: "", storageClassName: "", cert: "", key: "" }), []);
  assert.deepEqual(validateSpec({ ...valid, size: 0, volumeSize: "1.5Gi", storageClassName: "fast-ssd" }), []);
});

test("each problem names its field", () => {
  const cases: [Partial<TrackingServerSpec>, RegExp][] = [
    [{ size: -1 }, /spec\.size: -1 must be an integer ≥ 0/],
    [{ size: 1.5 }, /spec\.size/],
    [{ image: "" }, /spec\.image: required/],
    [{ url: "mlflow.example.com" }, /spec\.url: "mlflow\.example\.com" has no host/],
    [{ url: "ftp://mlflow.example.com" }, /must be an http or https URL/],
    [{ url: "https://exa mple.com/x" }, /spec\.url/],
    [{ url: "https://mlflow.example.com/?q=1" }, /must not have a query or fragment/],
    [{ s3_endpoint_url: "s3.example.com" }, /spec\.s3_endpoint_url/],
    [{ volumeSize: "ten gigs" }, /spec\.volumeSize: "ten gigs" is not a quantity/],
    [{ volumeSize: "-1Gi" }, /spec\.volumeSize/],
    [{ volumeSize: "0Gi" }, /must be greater than zero/],
    [{ storageClassName: "Fast SSD" }, /spec\.storageClassName/],
    [{ cert: "not pem", key: "-----BEGIN PRIVATE KEY-----" }, /spec\.cert: not a PEM certificate/],
    [{ credentialsSecretRef: { name: "Bad_Name" } }, /spec\.credentialsSecretRef\.name/],
    [{ credentialsSecretRef: { name: "s3" }, aws_access_key: "k" }, /either it or aws_access_key/],
  ];
  for (const [over, problem] of cases) {
    const problems = validateSpec({ ...valid, ...over });
    assert.ok(
      problems.some((p) => problem.test(p)),
      `${JSON.stringify(over)}: ${JSON.stringify(problems)}`,
    );
  }
});

test("the URL's host and path as the ingress uses them", () => {
  assert.deepEqual(parseServerUrl("https://mlflow.example.com/platform/"), {
    host: "mlflow.example.com",
    path: "/platform",
  });
  assert.deepEqual(parseServerUrl("https://mlflow.example.com"), { host: "mlflow.example.com", path: "" });
  assert.deepEqual(parseServerUrl("http://mlflow.example.com:8080/a/b"), { host: "mlflow.example.com", path: "/a/b" });
});
