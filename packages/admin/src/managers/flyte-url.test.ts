import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "@aloft/core";
import { base32 } from "@aloft/core";
import { parseFlyteUrl } from "./flyte-url.ts";

describe("parseFlyteUrl", () => {
  it("reads node and task-attempt URLs, with and without a literal name", () => {
    assert.deepEqual(parseFlyteUrl("flyte://v1/p/d/e1/n0/o"), {
      project: "p",
      domain: "d",
      execution: "e1",
      nodeId: "n0",
      ioType: "o",
    });
    assert.deepEqual(parseFlyteUrl("flyte://v1/p/d/e1/n0-0-n1/2/i/my_in"), {
      project: "p",
      domain: "d",
      execution: "e1",
      nodeId: "n0-0-n1",
      attempt: 2,
      ioType: "i",
      literalName: "my_in",
    });
    assert.deepEqual(parseFlyteUrl("flyte://v1/p/d/e1/n0/d").ioType, "d");
  });
  it("refuses anything else as INVALID_ARGUMENT (decks have no literal name; segments are [a-zA-Z0-9_-])", () => {
    for (const bad of [
      "flyte://v1/p/d/e/n0/d/x",
      "flyte://v2/p/d/e/n0/o",
      "flyte://v1/p/d/e/o",
      "flyte://v1/p/d/e/n.0/o",
      "flyte://v1/p/d/e/n0/x",
      "flyte://v1/p/d/e/n0/o/",
    ]) {
      assert.throws(
        () => parseFlyteUrl(bad),
        (e: { code: Code }) => e.code === Code.INVALID_ARGUMENT,
        bad,
      );
    }
  });
});

describe("base32", () => {
  it("is RFC 4648 with padding, as Go's base32.StdEncoding", () => {
    assert.equal(base32(Buffer.from("")), "");
    assert.equal(base32(Buffer.from("f")), "MY======");
    assert.equal(base32(Buffer.from("foobar")), "MZXW6YTBOI======");
    assert.equal(base32(Buffer.from("fooba")), "MZXW6YTB");
    assert.equal(base32(Buffer.alloc(16, 0xff)), "77777777777777777777777774======");
  });
});
