// A browser's cookie jar for tests that walk sign-in flows with plain fetch: name → value from Set-Cookie headers
// (`Max-Age=0` removes), sent back as one Cookie header.

export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Keeps the cookies a response sets; returns them as [name, value] pairs (removals included, value ""). */
  take(res: Response): Array<[string, string]> {
    const taken: Array<[string, string]> = [];
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1);
      if (attrs.some((a) => a.trim() === "Max-Age=0")) {
        this.cookies.delete(name);
        taken.push([name, ""]);
      } else {
        this.cookies.set(name, value);
        taken.push([name, value]);
      }
    }
    return taken;
  }

  /** The Cookie request header. */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}
