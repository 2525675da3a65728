// A person approving a device (RFC 8628) at Aloft's own authorization server, played with plain HTTP requests and a
// hand-kept cookie jar, as a browser would: the verification page sends the signed-out person to /login, the
// authorization server's sign-in form (CSRF cookie and hidden fields), /callback sets the console's session cookies
// and returns to the verification page, whose form (with the session's CSRF token) approves or denies the code.
import { CookieJar } from "./cookie-jar.ts";

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

function hiddenFields(html: string): URLSearchParams {
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    form.set(m[1]!, unescapeHtml(m[2]!));
  return form;
}

export interface DeviceDecision {
  /** The HTTP status of the decision (200 when it was taken). */
  status: number;
  /** The page's text. */
  page: string;
  /** How many times the page asked to confirm (a typed code: it shows who asks before Approve counts). */
  confirmations: number;
}

/**
 * Opens `verificationUrl` (as printed by the device, e.g. `…/oauth2/device?user_code=BCDF-GHJK`) on the server at
 * `httpUrl`, signs in as `user`, and approves (or denies) `userCode` (default: the one in the URL).
 */
export async function approveDevice(o: {
  httpUrl: string;
  verificationUrl: string;
  user: string;
  password: string;
  approve?: boolean;
  userCode?: string;
  /** false: stop at a confirmation page instead of confirming. */
  confirm?: boolean;
  /** Replaces the form's CSRF token (a forged form). */
  csrfToken?: string;
}): Promise<DeviceDecision> {
  const jar = new CookieJar();
  const base = o.httpUrl.replace(/\/+$/, "");
  // Printed URLs may name the public URL's host; requests go to the test server.
  const local = (u: string) => {
    const url = new URL(u, base);
    return `${base}${url.pathname}${url.search}`;
  };
  const get = async (u: string) => {
    const res = await fetch(local(u), { headers: { cookie: jar.header() }, redirect: "manual" });
    jar.take(res);
    return res;
  };
  let res = await get(o.verificationUrl);
  if (res.status === 302) {
    // Signed out: /login → the sign-in form → /callback → back to the verification page.
    res = await get(res.headers.get("location")!);
    if (res.status !== 302) throw new Error(`/login answered ${res.status}: ${await res.text()}`);
    res = await get(res.headers.get("location")!);
    if (res.status !== 200) throw new Error(`the sign-in form answered ${res.status}: ${await res.text()}`);
    const signIn = hiddenFields(await res.text());
    signIn.set("username", o.user);
    signIn.set("password", o.password);
    const posted = await fetch(`${base}/oauth2/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), origin: base },
      body: signIn,
      redirect: "manual",
    });
    jar.take(posted);
    if (posted.status !== 303)
      throw new Error(`sign-in as ${o.user} refused (${posted.status}): ${await posted.text()}`);
    res = await get(posted.headers.get("location")!); // /callback
    if (res.status !== 302) throw new Error(`/callback answered ${res.status}: ${await res.text()}`);
    res = await get(res.headers.get("location")!); // the verification page, signed in
  }
  if (res.status !== 200) throw new Error(`the verification page answered ${res.status}: ${await res.text()}`);
  const code = o.userCode ?? new URL(o.verificationUrl, base).searchParams.get("user_code") ?? "";
  let html = await res.text();
  let confirmations = 0;
  for (;;) {
    const decision = hiddenFields(html);
    decision.set("user_code", code);
    decision.set("action", o.approve === false ? "deny" : "approve");
    if (o.csrfToken !== undefined) decision.set("csrf_token", o.csrfToken);
    const done = await fetch(`${base}/oauth2/device`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), origin: base },
      body: decision,
      redirect: "manual",
    });
    html = await done.text();
    // The page shows who asks and wants the Approve again: the person reads it and confirms (once).
    if (done.status === 200 && /name="confirmed"/.test(html) && confirmations === 0 && o.confirm !== false) {
      confirmations++;
      continue;
    }
    return { status: done.status, page: html, confirmations };
  }
}
