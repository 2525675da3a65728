import type { Command } from "commander";

export type { ConnectionFlags } from "../config.ts";

/**
 * `--endpoint`, `--insecure/--no-insecure`, `--protocol`, `--config`. No defaults here: an unset flag falls back to
 * ALOFT_ENDPOINT, then `~/.aloft/config.yaml`, then localhost (config.ts).
 */
export function connectionOptions(cmd: Command): Command {
  return cmd
    .option("--endpoint <host:port>", "admin endpoint (default: $ALOFT_ENDPOINT, the config file, localhost:8089)")
    .option("--insecure", "plaintext (h2c / http), the sandbox default")
    .option("--no-insecure", "use TLS")
    .option("--protocol <grpc|http>", "gRPC (default) or the HTTP gateway")
    .option("--config <file>", "CLI config file (default ~/.aloft/config.yaml)");
}
