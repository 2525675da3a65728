// Which calls may be repeated safely, and what a repeated create that answers ALREADY_EXISTS means.
//
// A retried call may reach the server twice (the first attempt may have been applied before the connection broke).
// - Registration (tasks, workflows, launch plans): ALREADY_EXISTS means an identical entity is stored (a different
//   one answers INVALID_ARGUMENT), so it is success.
// - Projects: ALREADY_EXISTS after a retry is our own first attempt.
// - Executions (create, relaunch, recover): without a name the server would generate a fresh one per attempt and a
//   retry could launch twice. The client therefore names the execution itself before the first attempt (same format
//   as admin: "a" + 19 characters), and ALREADY_EXISTS after a retry then means our first attempt launched it.
//   A name chosen by the caller may belong to someone else's execution: ALREADY_EXISTS is passed on.
import { clone, create, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { DescMethodUnary } from "@bufbuild/protobuf";

const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** An execution name in admin's generated format: "a" + 19 characters of k8s' rand.String alphabet. */
export function generateExecutionName(random: () => number = Math.random): string {
  let s = "a";
  for (let i = 0; i < 19; i++) s += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)] ?? "b";
  return s;
}

export interface PreparedCall<I extends DescMessage, O extends DescMessage> {
  input: MessageInitShape<I>;
  /** The response to return when a retried attempt answers ALREADY_EXISTS; undefined: pass the error on. */
  alreadyExists?: () => MessageShape<O>;
}

const REGISTRATIONS = new Set([
  "flyteidl.service.AdminService.CreateTask",
  "flyteidl.service.AdminService.CreateWorkflow",
  "flyteidl.service.AdminService.CreateLaunchPlan",
  "flyteidl.service.AdminService.RegisterProject",
]);

const LAUNCHES = new Set([
  "flyteidl.service.AdminService.CreateExecution",
  "flyteidl.service.AdminService.RelaunchExecution",
  "flyteidl.service.AdminService.RecoverExecution",
]);

const fullName = (m: DescMethodUnary) => `${m.parent.typeName}.${m.name}`;

/** Makes a call safe to retry (see above). Never mutates the caller's message. */
export function prepareIdempotentCall<I extends DescMessage, O extends DescMessage>(
  method: DescMethodUnary<I, O>,
  input: MessageInitShape<I>,
  random: () => number = Math.random,
): PreparedCall<I, O> {
  const name = fullName(method as unknown as DescMethodUnary);
  if (REGISTRATIONS.has(name)) return { input, alreadyExists: () => create(method.output) };
  if (!LAUNCHES.has(name)) return { input };
  const req = clone(method.input, create(method.input, input)) as unknown as {
    name: string;
    project?: string;
    domain?: string;
    id?: { project: string; domain: string };
  };
  if (req.name !== "") return { input };
  req.name = generateExecutionName(random);
  const project = req.project ?? req.id?.project ?? "";
  const domain = req.domain ?? req.id?.domain ?? "";
  return {
    input: req as unknown as MessageInitShape<I>,
    alreadyExists: () => create(method.output, { id: { project, domain, name: req.name } } as never),
  };
}
