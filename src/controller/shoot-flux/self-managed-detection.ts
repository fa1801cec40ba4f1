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

/**
 * The label and annotation fields (fieldsV1 form) of a desired object that has nothing but
 * metadata (a ServiceAccount, a Namespace): for such a kind, claiming one of these is taking the
 * object over. Undefined for an object with content, or none given.
 */
function findMetadataOnlyFields(desired: unknown): ReadonlyMap<string, ReadonlySet<string>> | undefined {
  if (typeof desired !== 'object' || desired === null) return undefined;
  const object = desired as Record<string, unknown>;
  if (Object.keys(object).some((key) => !['apiVersion', 'kind', 'metadata'].includes(key))) return undefined;
  const meta = (object.metadata ?? {}) as { labels?: unknown; annotations?: unknown };
  const keysOf = (value: unknown) =>
    new Set(typeof value === 'object' && value !== null ? Object.keys(value).map((key) => `f:${key}`) : []);
  return new Map([
    ['f:labels', keysOf(meta.labels)],
    ['f:annotations', keysOf(meta.annotations)],
  ]);
}

function claimsContent(
  entry: ManagedFieldsEntry,
  metadataOnly: ReadonlyMap<string, ReadonlySet<string>> | undefined,
): boolean {
  if (entry.subresource !== undefined && entry.subresource !== '') return false;
  const fields = entry.fieldsV1 ?? {};
  const claimsTopLevel = Object.keys(fields).some(
    (field) => field.startsWith('f:') && field !== 'f:metadata' && field !== 'f:status',
  );
  if (claimsTopLevel || !metadataOnly) return claimsTopLevel;
  const metadata = fields['f:metadata'];
  if (typeof metadata !== 'object' || metadata === null) return false;
  return [...metadataOnly].some(([group, ours]) => {
    const claimed = (metadata as Record<string, unknown>)[group];
    return typeof claimed === 'object' && claimed !== null && Object.keys(claimed).some((k) => ours.has(k));
  });
}

/**
 * The field managers other than ours that claim `spec` (or, for kinds without one such as
 * RBAC, any top-level field besides metadata) of `live` by server-side apply after our own last
 * apply. That is what a GitOps tool does when it takes over the object from a repository:
 * kustomize-controller applies Flux's own manifests in `flux bootstrap`'s pattern. Re-applying
 * such an object would fight it in a loop, so the caller leaves it alone. A manager that applied
 * before us (whoever created the object first) has been taken over by our apply already; changes
 * by Update (`kubectl edit`, `scale`, a client-side apply) do not count either: that is drift,
 * and repaired. When `desired` (what we apply) has nothing but metadata, as a ServiceAccount,
 * applying one of its labels or annotations counts: real kustomize-controller's entry of such an
 * object holds only metadata, and a label someone else adds for themselves still does not count.
 * Sorted, without duplicates.
 */
export function findSelfManagers(live: unknown, desired?: unknown, ours: string = fieldManager): string[] {
  const entries = (live as { metadata?: { managedFields?: unknown } } | undefined)?.metadata?.managedFields;
  if (!Array.isArray(entries)) return [];
  const metadataOnly = findMetadataOnlyFields(desired);
  const applies = (entries as ManagedFieldsEntry[]).filter(
    (e) => e.operation === 'Apply' && claimsContent(e, metadataOnly),
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

/**
 * Several syncs' self-managed objects as one report, in the given order, objects and managers
 * once each (managers sorted); undefined when none found any.
 */
export function mergeSelfManaged(
  ...found: readonly (SelfManagedObjects | undefined)[]
): SelfManagedObjects | undefined {
  const present = found.filter((f): f is SelfManagedObjects => f !== undefined && f.objects.length > 0);
  if (present.length === 0) return undefined;
  return {
    objects: [...new Set(present.flatMap((f) => f.objects))],
    managers: [...new Set(present.flatMap((f) => f.managers))].sort(),
  };
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
