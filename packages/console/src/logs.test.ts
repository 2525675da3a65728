import assert from "node:assert/strict";
import { test } from "node:test";
import { LOG_TAIL_CHARS, LogFollower, parseContentRange, servedLogPath } from "./logs.ts";

test("logs admin serves are read on this origin; others stay links", () => {
  assert.equal(servedLogPath("http://localhost:8088/logs/p/d/abc-n0-0"), "/logs/p/d/abc-n0-0");
  assert.equal(servedLogPath("/logs/p/d/x"), "/logs/p/d/x");
  assert.equal(servedLogPath("https://console.aws.amazon.com/cloudwatch/home#logs"), undefined);
  assert.equal(servedLogPath("s3://bucket/logs/x"), undefined);
  assert.equal(servedLogPath(""), undefined);
  assert.equal(servedLogPath(undefined), undefined);
});

const enc = new TextEncoder();
const read = (status: 200 | 206 | 416, text: string, start: number, size: number) => ({
  status,
  bytes: enc.encode(text),
  start,
  size,
});

test("a followed log: the tail first, then only the bytes after those held, asked for from one byte before", () => {
  const f = new LogFollower(16);
  assert.equal(f.nextRange(), "bytes=-16");
  // A 40-byte log: its last 16 bytes, the partial first line dropped.
  assert.equal(f.add(read(206, "ine 3\nline 4\nl5\n", 24, 40)), true);
  assert.equal(f.text, "line 4\nl5\n");
  assert.equal(f.dropped, true);
  assert.equal(f.nextRange(), "bytes=39-");
  // Nothing new: the one byte held already.
  assert.equal(f.add(read(206, "\n", 39, 40)), false);
  assert.equal(f.nextRange(), "bytes=39-");
  assert.equal(f.add(read(206, "\nl6\n", 39, 43)), true);
  assert.equal(f.text, "line 4\nl5\nl6\n");
  assert.equal(f.nextRange(), "bytes=42-");
  // More than fits: the text keeps its last 16 characters, from a line start.
  f.add(read(206, "\nline 7\nline 8\n", 42, 57));
  assert.equal(f.text, "line 7\nline 8\n");
});

test("an empty log is read from 0; a whole answer (200) replaces the text; a shorter log is read again", () => {
  const f = new LogFollower(100);
  f.add(read(416, "", 0, 0));
  assert.equal(f.nextRange(), "bytes=0-");
  f.add(read(416, "", 0, 0));
  assert.equal(f.nextRange(), "bytes=0-");
  f.add(read(206, "hello\n", 0, 6));
  assert.equal(f.text, "hello\n");
  assert.equal(f.dropped, false);
  f.add(read(200, "all of it\n", 0, 10));
  assert.equal(f.text, "all of it\n");
  assert.equal(f.nextRange(), "bytes=9-");
  // The log was replaced by a shorter one: read again from its start.
  assert.equal(f.add(read(416, "", 0, 3)), true);
  assert.equal(f.text, "");
  assert.equal(f.nextRange(), "bytes=0-");
});

test("a character split between two reads is decoded whole", () => {
  const f = new LogFollower(100);
  const bytes = enc.encode("é\n");
  f.add({ status: 206, bytes: bytes.slice(0, 1), start: 0, size: 1 });
  f.add({ status: 206, bytes: bytes.slice(1), start: 1, size: 3 });
  assert.equal(f.text, "é\n");
});

test("Content-Range headers", () => {
  assert.deepEqual(parseContentRange("bytes 7-20/21"), { start: 7, size: 21 });
  assert.deepEqual(parseContentRange("bytes */21"), { start: 0, size: 21 });
  assert.equal(parseContentRange(null), undefined);
  assert.equal(parseContentRange("items 1-2/3"), undefined);
});

test("a multi-megabyte log answered whole (a server without ranges) is held by its last 256 KiB, from a line start", () => {
  const f = new LogFollower();
  const line = "0123456789 a line of a long log\n";
  const whole = line.repeat(Math.ceil((6 * 1024 * 1024) / line.length));
  f.add({ status: 200, bytes: enc.encode(whole), start: 0, size: whole.length });
  assert.ok(f.text.length <= LOG_TAIL_CHARS && f.text.length >= LOG_TAIL_CHARS - line.length, String(f.text.length));
  assert.ok(f.text.startsWith(line));
  assert.equal(f.dropped, true);
  assert.equal(f.nextRange(), `bytes=${whole.length - 1}-`);
});
