// flyte://v1/ URLs (upstream flyteadmin/pkg/common/flyte_url.go): what FlyteRemote and the console use to name the
// inputs (i), outputs (o) or deck (d) of a node execution, or of one attempt of it, optionally down to one literal.
import { invalidArgument } from "@aloft/core";

export interface FlyteUrl {
  project: string;
  domain: string;
  execution: string;
  nodeId: string;
  /** Present: the task execution with this retry attempt; absent: the node execution. */
  attempt?: number;
  ioType: "i" | "o" | "d";
  /** One literal of the inputs or outputs (never with a deck). */
  literalName?: string;
}

const SEG = "[a-zA-Z0-9_-]+";
const WITH_NAME = new RegExp(`^flyte://v1/(${SEG})/(${SEG})/(${SEG})/(${SEG})(?:/([0-9]+))?/([io])/(${SEG})$`);
const WITHOUT_NAME = new RegExp(`^flyte://v1/(${SEG})/(${SEG})/(${SEG})/(${SEG})(?:/([0-9]+))?/([iod])$`);

export function parseFlyteUrl(url: string): FlyteUrl {
  const m = WITH_NAME.exec(url) ?? WITHOUT_NAME.exec(url);
  if (!m)
    throw invalidArgument(
      "dataproxy.invalid_flyte_url",
      `failed to parse artifact url Error: failed to parse [${url}]`,
    );
  const [, project, domain, execution, nodeId, attempt, ioType, literalName] = m;
  const out: FlyteUrl = {
    project: project!,
    domain: domain!,
    execution: execution!,
    nodeId: nodeId!,
    ioType: ioType as FlyteUrl["ioType"],
  };
  if (attempt !== undefined) {
    const n = Number(attempt);
    if (!Number.isSafeInteger(n) || n > 0xffffffff)
      throw invalidArgument(
        "dataproxy.invalid_flyte_url",
        `failed to parse artifact url Error: attempt ${attempt} is out of range`,
      );
    out.attempt = n;
  }
  if (literalName !== undefined) out.literalName = literalName;
  return out;
}
