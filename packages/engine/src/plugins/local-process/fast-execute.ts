// flytekit's fast registration runs `pyflyte-fast-execute --additional-distribution <url> --dest-dir <dir> -- …`:
// it downloads the registered code and unpacks it into <dir>, a directory of the container image (`pyflyte
// register` says /root). A host process has no image filesystem: unpacking into the host's /root would race between
// concurrent tasks (one untars while another rewrites the archive) and needs write access there. So, on the local
// runtime, the code goes into the attempt's own working directory instead — what the image directory is to a pod.
import { basename } from "node:path";

const FAST_EXECUTE = "pyflyte-fast-execute";
const DEST_DIR = "--dest-dir";

/** `argv` with pyflyte-fast-execute's `--dest-dir` pointed at `attemptDir`; any other command is returned as is. */
export function localizeFastExecute(argv: readonly string[], attemptDir: string): string[] {
  if (argv.length === 0 || basename(argv[0]!) !== FAST_EXECUTE) return [...argv];
  const out = [...argv];
  // Only pyflyte-fast-execute's own options: everything after "--" belongs to the command it runs.
  const end = out.indexOf("--") === -1 ? out.length : out.indexOf("--");
  for (let i = 1; i < end; i++) {
    if (out[i] === DEST_DIR && i + 1 < end) out[i + 1] = attemptDir;
    else if (out[i]!.startsWith(`${DEST_DIR}=`)) out[i] = `${DEST_DIR}=${attemptDir}`;
  }
  return out;
}
