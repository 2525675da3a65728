// Who is calling: the token's subject and claims. Also on CallContext (api/rpc.ts) as `principal`.
export interface Principal {
  subject: string;
  claims: Record<string, unknown>;
}
