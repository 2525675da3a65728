// Where the client connects: `host:port`, flytectl's `dns:///host:port`, or a URL; plaintext (h2c / http) or TLS.

export type Protocol = "grpc" | "http";

export interface TlsOptions {
  /** PEM CA bundle(s) to trust instead of the system roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate and key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** flytectl's `insecureSkipVerify`: accept any server certificate (tests, self-signed sandboxes). */
  insecureSkipVerify?: boolean;
  /** SNI / certificate host name when it differs from the endpoint host. */
  serverName?: string;
}

export interface EndpointOptions {
  /** host:port, `dns:///host:port` or `http(s)://host:port`. */
  endpoint: string;
  /** Plaintext (h2c for gRPC, http for the gateway). Ignored when the endpoint is a URL. */
  insecure?: boolean;
  /** gRPC (default) or the HTTP gateway (`/api/v1`). */
  protocol?: Protocol;
}

/** Admin's default ports: gRPC 8089, HTTP 8088 (plaintext); 443 with TLS. */
export function defaultPort(protocol: Protocol, insecure: boolean): number {
  if (!insecure) return 443;
  return protocol === "grpc" ? 8089 : 8088;
}

/** The base URL for an endpoint: `http://localhost:8089`, `https://admin.example.com:443`. */
export function endpointUrl(o: EndpointOptions): string {
  let e = o.endpoint
    .trim()
    .replace(/^dns:\/\/\//, "")
    .replace(/\/+$/, "");
  if (/^https?:\/\//.test(e)) return e;
  const insecure = o.insecure ?? false;
  // host:port, [v6]:port, or a bare host (v6 literals need brackets).
  const hasPort = /:\d+$/.test(e) && (!e.includes("[") || e.includes("]:"));
  if (!hasPort) e = `${e}:${defaultPort(o.protocol ?? "grpc", insecure)}`;
  return `${insecure ? "http" : "https"}://${e}`;
}
