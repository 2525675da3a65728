// Who is calling: the token's subject and claims, as carried on CallContext (api/rpc.ts) once auth middleware ran.
import type { CallContext } from "../api/rpc.ts";

export type Principal = NonNullable<CallContext["principal"]>;
