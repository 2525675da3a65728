import { randomBytes } from "node:crypto";

/** Request ids as flyteadmin generates them: "a-" followed by 20 random characters. */
const REQUEST_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export function randomString(length: number, alphabet: string): string {
  const bytes = randomBytes(length);
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[(bytes[i] ?? 0) % alphabet.length];
  return out;
}

export function newRequestId(): string {
  return `a-${randomString(20, REQUEST_ID_ALPHABET)}`;
}
