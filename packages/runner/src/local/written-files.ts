// The files an attempt writes to its output prefix, seen as the entrypoint writes them: a plugin that runs the
// entrypoint reports them with Success (PluginStatus.outputFiles), so the engine need not probe the blob store for
// deck.html, futures.pb, error.pb and outputs.pb after every task.
import { joinUri } from "@aloft/core";
import type { DataIo } from "@aloft/sdk";

/** `io`, recording the size of each file written directly under `outputPrefix` into `files` (name → bytes). */
export function recordingWrites(io: DataIo, outputPrefix: string): { io: DataIo; files: Record<string, number> } {
  const dir = `${joinUri(outputPrefix, "x").slice(0, -1)}`;
  const files: Record<string, number> = {};
  return {
    files,
    io: {
      read: (uri) => io.read(uri),
      async write(uri, data) {
        await io.write(uri, data);
        const name = uri.startsWith(dir) ? uri.slice(dir.length) : "";
        if (name !== "" && !name.includes("/"))
          files[name] = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
      },
    },
  };
}
