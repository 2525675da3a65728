import { blobStoreContract } from "./blob-store-contract.ts";
import { MemoryBlobStore } from "./memory-blob-store.ts";

blobStoreContract("in memory", async () => ({
  store: new MemoryBlobStore({ container: "c" }),
  foreignUris: ["mem://other/x", "mem://cx/x", "s3://c/x", "file:///c/x"],
  cleanup: async () => {},
}));
