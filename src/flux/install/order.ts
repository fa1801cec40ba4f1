import type { Manifest } from './manifest.js';

/** Built-in cluster-scoped kinds (everything else is namespaced, as kustomize assumes too). */
const builtinClusterScopedKinds: ReadonlySet<string> = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/**
 * Cluster-scoped kinds of an install set: the built-in ones plus those its own CRDs declare
 * `spec.scope: Cluster`, keyed `group/Kind` for CRD kinds and `Kind` for built-ins.
 */
export function buildClusterScopedKinds(manifests: readonly Manifest[]): (manifest: Manifest) => boolean {
  const fromCrds = new Set<string>();
  for (const manifest of manifests) {
    if (manifest.kind !== 'CustomResourceDefinition') continue;
    const spec = manifest.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.scope === 'Cluster' && spec.group && spec.names?.kind) {
      fromCrds.add(`${spec.group}/${spec.names.kind}`);
    }
  }
  return (manifest) => {
    const group = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/')[0] : '';
    if (fromCrds.has(`${group ?? ''}/${manifest.kind}`)) return true;
    // A built-in kind name only counts for a built-in group (no dot) or the Kubernetes ones.
    const builtinGroup = group === '' || !group?.includes('.') || group.endsWith('.k8s.io');
    return builtinGroup && builtinClusterScopedKinds.has(manifest.kind);
  };
}

// kustomize's legacy kind order (api/resid/gvk.go), so the output reads like `flux install --export`.
const kindOrder = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];
const kindOrderLast = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function kindRank(kind: string): number {
  const first = kindOrder.indexOf(kind);
  if (first >= 0) return first;
  const last = kindOrderLast.indexOf(kind);
  return last >= 0 ? kindOrder.length + 1 + last : kindOrder.length;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The apply order of an install set: Namespaces, CRDs, other cluster-scoped objects, then
 * namespaced ones; within each, kustomize's kind order, then kind, apiVersion, namespace, name.
 * Stable and independent of the input order.
 */
export function sortManifests(manifests: readonly Manifest[]): Manifest[] {
  const isClusterScoped = buildClusterScopedKinds(manifests);
  const phase = (m: Manifest): number =>
    m.kind === 'Namespace' ? 0 : m.kind === 'CustomResourceDefinition' ? 1 : isClusterScoped(m) ? 2 : 3;
  return [...manifests].sort(
    (a, b) =>
      phase(a) - phase(b) ||
      kindRank(a.kind) - kindRank(b.kind) ||
      compareText(a.kind, b.kind) ||
      compareText(a.apiVersion, b.apiVersion) ||
      compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
      compareText(a.metadata.name, b.metadata.name),
  );
}
