// Where a caller's token is: gRPC metadata `flyte-authorization` (auth.grpcAuthorizationHeader; flytekit and flytectl
// send it there) or `authorization`; on HTTP the same headers (the gateway forwards headers as metadata). The custom
// header wins, as upstream copies it over `authorization`.
export function bearerToken(headers: Headers, customHeader: string): string | undefined {
  for (const name of [customHeader.toLowerCase(), "authorization"]) {
    const value = headers.get(name);
    if (!value) continue;
    const m = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(value);
    return m ? m[1] : "";
  }
  return undefined;
}
