import { fieldManager } from '../../kube/apply.js';

/** One `metadata.managedFields` entry as far as the detection reads it. */
interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

function timeOf(entry: ManagedFieldsEntry): number {
  return entry.time ? Date.parse(entry.time) : Number.NaN;
}

function claimsContent(entry: ManagedFieldsEntry): boolean {
  if (entry.subresource !== undefined && entry.subresource !== '') return false;
  return Object.keys(entry.fieldsV1 ?? {}).some(
    (field) => field.startsWith('f:') && field !== 'f:metadata' && field !== 'f:status',
  );
}

/**
 * The field managers other than ours that claim `spec` (or, for kinds without one such as
 * RBAC, any top-level field besides metadata) of `live` by server-side apply after our own last
 * apply. That is what a GitOps tool does when it takes over the object from a repository:
 * kustomize-controller applies Flux's own manifests in `flux bootstrap`'s pattern. Re-applying
 * such an object would fight it in a loop, so the caller leaves it alone. A manager that applied
 * before us (whoever created the object first) has been taken over by our apply already; changes
 * by Update (`kubectl edit`, `scale`, a client-side apply) do not count either: that is drift,
 * and repaired. Sorted, without duplicates.
 */
export function findSelfManagers(live: unknown, ours: string = fieldManager): string[] {
  const entries = (live as { metadata?: { managedFields?: unknown } } | undefined)?.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  const applies = (entries as ManagedFieldsEntry[]).filter(
    (e) => e.operation === 'Apply' && claimsContent(e),
  );
  const ourTimes = applies
    .filter((e) => e.manager === ours)
    .map(timeOf)
    .filter((t) => !Number.isNaN(t));
  const ourLast = ourTimes.length > 0 ? Math.max(...ourTimes) : Number.NEGATIVE_INFINITY;
  const managers = new Set<string>();
  for (const entry of applies) {
    if (!entry.manager || entry.manager === ours) continue;
    const time = timeOf(entry);
    // Times have second resolution: an apply in the same second as ours may be the later one.
    if (Number.isNaN(time) || time >= ourLast) managers.add(entry.manager);
  }
  return [...managers].sort();
}

/** Objects another manager applies, and who: what `FluxSelfManaged` reports. */
export interface SelfManagedObjects {
  /** `Kind namespace/name` of each such object. */
  objects: string[];
  managers: string[];
}

/** At most this many objects are named in a message; the rest are counted. */
const listedObjects = 5;

/** `FluxSelfManaged`'s message: which manager applies which objects, and what the extension does. */
export function describeSelfManaged(found: SelfManagedObjects): string {
  const named = found.objects.slice(0, listedObjects).join(', ');
  const more =
    found.objects.length > listedObjects ? ` and ${found.objects.length - listedObjects} more` : '';
  return (
    `${named}${more} ${found.objects.length === 1 ? 'is' : 'are'} applied by ${found.managers.join(', ')} ` +
    '(Flux manages itself from its repository); the extension leaves them alone instead of fighting it.'
  );
}
