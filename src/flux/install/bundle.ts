/**
 * A Flux release bundle: the files of a release's `manifests.tar.gz` (flat `<component>.yaml`,
 * `rbac.yaml`, `policies.yaml`) as text, keyed by file name.
 */
export interface FluxReleaseBundle {
  /** The Flux version the bundle belongs to, e.g. `v2.9.2`. */
  readonly version: string;
  /** File name (no directory) → YAML text. */
  readonly files: Readonly<Record<string, string>>;
  /** Where the bundle came from (a directory, a tarball, a URL), for logs and errors. */
  readonly source: string;
}

/** The bundle file holding the RBAC objects (ResourceQuota, ClusterRoles, ClusterRoleBindings). */
export const rbacFileName = 'rbac.yaml';
/** The bundle file holding the NetworkPolicies. */
export const policiesFileName = 'policies.yaml';

/** The bundle file of one component. */
export function componentFileName(component: string): string {
  return `${component}.yaml`;
}
