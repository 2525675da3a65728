// The people who may sign in to the self-hosted authorization server: `aloft secret init --user <name>` writes a
// generated password and its scrypt hash (`user-<name>.password-hash`) into the secrets directory. A user's subject
// is the name; roles come from auth.roles.bindings as for any subject. A user may not share a name with a client or
// an engine subject (a person must never act as the engine).
import { readUserPasswordHashes } from "./secret-files.ts";
import { isSecretHash, verifySecret } from "./secret-hash.ts";

export class UserRegistry {
  private readonly users: Map<string, string>;

  constructor(secretsDir: string, reserved: string[]) {
    this.users = readUserPasswordHashes(secretsDir);
    for (const [name, hash] of this.users) {
      if (!isSecretHash(hash))
        throw new Error(`the password hash of user ${name} in ${secretsDir} is not one aloft wrote`);
      if (reserved.includes(name))
        throw new Error(`user ${name} has the name of a client or engine subject; rename the user`);
    }
  }

  names(): string[] {
    return [...this.users.keys()];
  }

  /** The user's name if the password is right (constant time; unknown names take as long as wrong passwords). */
  async authenticate(name: string, password: string): Promise<string | undefined> {
    const hash = this.users.get(name);
    return (await verifySecret(password, hash)) && hash !== undefined ? name : undefined;
  }
}
