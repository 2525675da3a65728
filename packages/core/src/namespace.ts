// The Kubernetes namespace of a project-domain (upstream flyteadmin/pkg/common/namespace.go GetNamespaceName, the
// `namespace_mapping.template` of admin and of propeller's plugins): `{{ project }}` and `{{ domain }}` replaced, any
// spacing inside the braces, and the Go-template spellings `{{ .Project }}` / `{{ $domain }}` accepted too.

export const DEFAULT_NAMESPACE_TEMPLATE = "{{ project }}-{{ domain }}";

export function namespaceFor(template: string, project: string, domain: string): string {
  return template.replace(/\{\{\s*\.?\$?project\s*\}\}/gi, project).replace(/\{\{\s*\.?\$?domain\s*\}\}/gi, domain);
}
