// The CLI's admin client: @aloft/client with the connection settings resolved from flags, env and the config file.
import { createAloftClient, type AloftClient } from "@aloft/client";
import { clientOptions, loadCliConfig, type ConnectionFlags } from "./config.ts";

export type { AdminClient } from "@aloft/client";
export { endpointUrl } from "@aloft/client";

export function createAdminClient(flags: ConnectionFlags): AloftClient {
  return createAloftClient(clientOptions(loadCliConfig(flags)));
}
