// Reads registration files from a directory or a (gzipped) tar archive, as `pyflyte package` produces them.
import { readdirSync, readFileSync, statSync, type Stats } from "node:fs";
import { basename, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { invalidArgument } from "@aloft/core";

export interface RegistrationFile {
  name: string;
  data: Uint8Array;
}

/** Entries of a ustar/GNU tar stream (regular files only). */
export function readTar(buf: Uint8Array): RegistrationFile[] {
  const out: RegistrationFile[] = [];
  const text = (from: number, len: number) => {
    let end = from;
    while (end < from + len && buf[end] !== 0) end++;
    return Buffer.from(buf.subarray(from, end)).toString("utf8");
  };
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= buf.length) {
    if (buf.subarray(off, off + 512).every((b) => b === 0)) break;
    const sizeText = text(off + 124, 12).trim();
    const size = sizeText === "" ? 0 : parseInt(sizeText, 8);
    if (!Number.isFinite(size) || size < 0)
      throw invalidArgument("register.bad_archive", "not a tar archive (bad entry size)");
    const type = String.fromCharCode(buf[off + 156] ?? 0);
    const prefix = text(off + 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${text(off, 100)}` : text(off, 100));
    longName = undefined;
    const body = buf.subarray(off + 512, off + 512 + size);
    if (body.length < size) throw invalidArgument("register.bad_archive", "truncated tar archive");
    if (type === "L") longName = Buffer.from(body).toString("utf8").replace(/\0+$/, "");
    else if (type === "0" || type === "\0") out.push({ name: name.replace(/^\.\//, ""), data: new Uint8Array(body) });
    off += 512 + Math.ceil(size / 512) * 512;
    name = "";
  }
  return out;
}

/** Files in registration order: sorted by base name, which pyflyte prefixes with a sequence number. */
export function readRegistrationFiles(path: string): RegistrationFile[] {
  let files: RegistrationFile[];
  let st: Stats;
  try {
    st = statSync(path);
  } catch {
    throw invalidArgument("register.not_found", `no such file or directory: ${path}`);
  }
  if (st.isDirectory()) {
    files = readdirSync(path)
      .filter((f) => statSync(join(path, f)).isFile())
      .map((f) => ({ name: f, data: new Uint8Array(readFileSync(join(path, f))) }));
  } else {
    let raw = new Uint8Array(readFileSync(path));
    if (raw[0] === 0x1f && raw[1] === 0x8b) raw = new Uint8Array(gunzipSync(raw));
    files = readTar(raw);
  }
  return files
    .filter((f) => f.name.endsWith(".pb"))
    .map((f) => ({ ...f, name: basename(f.name) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
