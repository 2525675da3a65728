import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../clock.ts";
import { Code } from "../errors.ts";
import { rejectsWith } from "./blob-store-contract.ts";
import { LocalUrlSigner } from "./local-url-signer.ts";

function signer(clock = new ManualClock(Date.UTC(2025, 0, 1)), secret = "s3cret") {
  return new LocalUrlSigner({ baseUrl: "http://localhost:8088/blobs/", secret, clock });
}

describe("LocalUrlSigner", () => {
  it("signs a URL under the base that verifies for the same method", () => {
    const s = signer();
    const url = s.sign("p/d/abc/fast file.tar.gz", { method: "GET", expiresInSeconds: 60 });
    assert.match(
      url,
      /^http:\/\/localhost:8088\/blobs\/p\/d\/abc\/fast%20file\.tar\.gz\?method=GET&expires=\d+&signature=[0-9a-f]{64}$/,
    );
    assert.deepEqual(s.verify("GET", url), { key: "p/d/abc/fast file.tar.gz", method: "GET" });
    const u = new URL(url);
    assert.deepEqual(s.verify("HEAD", u.pathname + u.search), { key: "p/d/abc/fast file.tar.gz", method: "GET" });
  });

  it("binds PUT URLs to a content MD5", () => {
    const s = signer();
    const url = s.sign("up/f", { method: "PUT", expiresInSeconds: 60, contentMd5: "1B2M2Y8AsgTpgAmY7PhCfg==" });
    assert.deepEqual(s.verify("PUT", url), { key: "up/f", method: "PUT", contentMd5: "1B2M2Y8AsgTpgAmY7PhCfg==" });
    const stripped = new URL(url);
    stripped.searchParams.delete("md5");
    assert.throws(() => s.verify("PUT", stripped.href), rejectsWith(Code.PERMISSION_DENIED));
  });

  it("refuses another method, a tampered key or expiry, another secret", () => {
    const s = signer();
    const url = s.sign("a/b", { method: "GET", expiresInSeconds: 60 });
    assert.throws(() => s.verify("PUT", url), rejectsWith(Code.PERMISSION_DENIED));
    assert.throws(() => s.verify("GET", url.replace("/a/b?", "/a/c?")), rejectsWith(Code.PERMISSION_DENIED));
    const later = new URL(url);
    later.searchParams.set("expires", String(Number(later.searchParams.get("expires")) + 3600));
    assert.throws(() => s.verify("GET", later.href), rejectsWith(Code.PERMISSION_DENIED));
    assert.throws(() => signer(undefined, "other").verify("GET", url), rejectsWith(Code.PERMISSION_DENIED));
  });

  it("refuses expired URLs", () => {
    const clock = new ManualClock(Date.UTC(2025, 0, 1));
    const s = signer(clock);
    const url = s.sign("a/b", { method: "GET", expiresInSeconds: 60 });
    clock.advance(60_000);
    assert.equal(s.verify("GET", url).key, "a/b");
    clock.advance(1_000);
    assert.throws(() => s.verify("GET", url), rejectsWith(Code.PERMISSION_DENIED));
  });

  it("rejects URLs that are not its own or escape the key space", () => {
    const s = signer();
    assert.throws(
      () => s.verify("GET", "http://localhost:8088/other/a?method=GET&expires=1&signature=00"),
      rejectsWith(Code.INVALID_ARGUMENT),
    );
    assert.throws(
      () => s.verify("GET", "/blobs/a%2F..%2Fb?method=GET&expires=1&signature=00"),
      rejectsWith(Code.INVALID_ARGUMENT),
    );
    assert.throws(() => s.verify("GET", "/blobs/a/b"), rejectsWith(Code.INVALID_ARGUMENT));
    assert.throws(() => s.sign("../x", { method: "GET", expiresInSeconds: 60 }), rejectsWith(Code.INVALID_ARGUMENT));
  });
});
