// The identifier tuples every layer passes around, declared once. flyteidl's Identifier and
// WorkflowExecutionIdentifier satisfy them structurally, so plain rows and messages can both be handed in.

/** (project, domain, name): a named entity (all versions of a task, workflow or launch plan), or an execution. */
export interface ProjectDomainName {
  project: string;
  domain: string;
  name: string;
}

/** (project, domain, name, version): one registered version of a task, workflow or launch plan. */
export interface VersionedId extends ProjectDomainName {
  version: string;
}
