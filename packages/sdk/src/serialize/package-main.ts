// `aloft-package <module.ts> <out dir> [--project p] [--domain d] [--version v] [--image i] [--warm]`: serializes a
// module's exported entities into registration files (`pyflyte package` for TypeScript); register them with
// `aloft register files <out dir>`. The module path is written into task commands as given (resolved to absolute):
// the sandbox runs tasks from this local code path.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { importModule } from "../entrypoint/main.ts";
import { serializeModule } from "./serialize.ts";
import { writeRegistrationFiles } from "./registration-files.ts";

export async function packageMain(argv: string[]): Promise<string[]> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      project: { type: "string", default: "{{ registration.project }}" },
      domain: { type: "string", default: "{{ registration.domain }}" },
      version: { type: "string", default: "{{ registration.version }}" },
      image: { type: "string" },
      warm: { type: "boolean", default: false },
    },
  });
  const [module, out] = positionals;
  if (!module || !out)
    throw new Error("usage: aloft-package <module.ts> <out dir> [--project p --domain d --version v --image i --warm]");
  const path = resolve(module);
  const s = serializeModule(await importModule(path), {
    project: values.project,
    domain: values.domain,
    version: values.version,
    module: path,
    warm: values.warm,
    ...(values.image && { image: values.image }),
  });
  return writeRegistrationFiles(s, out);
}
