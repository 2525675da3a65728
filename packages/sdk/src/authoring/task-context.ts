// What a task function receives besides its inputs: execution identity, checkpoints, and helpers for files and
// datasets stored next to the task's raw outputs.
import type { DatasetRef, FileRef } from "../types/blobs.ts";

export interface TaskContext {
  /** Execution id parts (from FLYTE_INTERNAL_EXECUTION_*; "local" under runLocal). */
  readonly execution: { project: string; domain: string; name: string };
  readonly taskName: string;
  readonly attempt: number;
  /** Where this attempt may write raw data (a URI). */
  readonly rawOutputPrefix: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly checkpoint: Checkpoint;
  /** Writes bytes under the raw output prefix and returns a file reference. */
  writeFile(name: string, data: Uint8Array | string): Promise<FileRef>;
  readFile(ref: FileRef): Promise<Uint8Array>;
  /** Writes rows as a JSON-lines structured dataset. */
  writeRows<Row>(name: string, rows: readonly Row[]): Promise<DatasetRef<Row>>;
  readRows<Row>(ref: DatasetRef<Row>): Promise<Row[]>;
}

/** Intra-task checkpoints: what a previous attempt saved, and saving for the next one. */
export interface Checkpoint {
  /** The previous attempt's checkpoint, if any. */
  read(): Promise<Uint8Array | undefined>;
  write(data: Uint8Array | string): Promise<void>;
}
