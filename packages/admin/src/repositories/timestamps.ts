// Timestamp representation in the database, the same in SQLite and PostgreSQL:
//   an INTEGER / BIGINT count of MICROSECONDS since the Unix epoch (UTC).
// Why: one representation compares and sorts identically in both databases (SQLite has no timestamp type, and
// mixing text formats breaks `gt(created_at, <RFC3339>)`), keeps PostgreSQL's microsecond precision for
// protobuf Timestamps, and needs no time-zone handling. Filter values are converted with
// list/values.ts parseTimestampMicros. (µs since 1970 stays below 2^53 until the year 2255.)
// To read one by hand: PostgreSQL `to_timestamp(created_at / 1e6)`, SQLite `datetime(created_at / 1e6, 'unixepoch')`.
import type { Timestamp } from "@bufbuild/protobuf/wkt";

export type Micros = number;

export const dateToMicros = (d: Date): Micros => d.getTime() * 1000;
export const microsToDate = (us: Micros | string | bigint): Date => new Date(Math.floor(Number(us) / 1000));

export const timestampToMicros = (t: Timestamp): Micros => Number(t.seconds) * 1_000_000 + Math.floor(t.nanos / 1000);
