// Outputs that name local files (a path, no scheme) are uploaded under the raw output prefix, and the literal is
// rewritten to the uploaded URI (flytekit does the same for FlyteFile/FlyteDirectory outputs).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { clone } from "@bufbuild/protobuf";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { joinUri } from "@aloft/core";
import { isLocalDirectory, listLocalFiles, type DataIo } from "./data-io.ts";

const hasScheme = (uri: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(uri);

export async function uploadLocalBlobs(lit: Literal, io: DataIo, prefix: string): Promise<Literal> {
  switch (lit.value.case) {
    case "collection": {
      const out = clone(LiteralSchema, lit);
      const c = out.value.value as { literals: Literal[] };
      for (let i = 0; i < c.literals.length; i++)
        c.literals[i] = await uploadLocalBlobs(c.literals[i]!, io, joinUri(prefix, i));
      return out;
    }
    case "map": {
      const out = clone(LiteralSchema, lit);
      const m = out.value.value as { literals: Record<string, Literal> };
      for (const [k, v] of Object.entries(m.literals))
        m.literals[k] = await uploadLocalBlobs(v, io, joinUri(prefix, k));
      return out;
    }
    case "scalar": {
      const s = lit.value.value.value;
      const ref =
        s.case === "blob" || s.case === "structuredDataset" ? s.value : s.case === "union" ? undefined : undefined;
      if (s.case === "union" && s.value.value) {
        const out = clone(LiteralSchema, lit);
        const u = (out.value.value as { value: { value: { value: Literal } } }).value.value;
        u.value = await uploadLocalBlobs(u.value, io, prefix);
        return out;
      }
      if (!ref || ref.uri === "" || hasScheme(ref.uri)) return lit;
      const out = clone(LiteralSchema, lit);
      const target = (out.value.value as { value: { value: { uri: string } } }).value.value;
      const name = ref.uri.split("/").filter(Boolean).pop() ?? "data";
      if (await isLocalDirectory(ref.uri)) {
        for (const rel of await listLocalFiles(ref.uri))
          await io.write(joinUri(prefix, rel), await readFile(join(ref.uri, rel)));
        target.uri = prefix;
      } else {
        const dest = joinUri(prefix, name);
        await io.write(dest, await readFile(ref.uri));
        target.uri = dest;
      }
      return out;
    }
    default:
      return lit;
  }
}
