import type { SyncMode } from '../../api/constants.js';
import { followsInstallation, followsManifests } from '../../api/sync-mode.js';
import { isRecord } from '../../api/is-record.js';
import { fieldManager } from '../../kube/apply.js';

/** What the drift decision looks at of one watched object. */
export interface WatchedObjectMark {
  /** `metadata.generation`: the API server raises it on every change of the spec, never on status. */
  generation: number | undefined;
  /** Our field manager applied some of its fields (an object we installed, not a user's). */
  ours: boolean;
}

/** Which part of the shoot a watched object belongs to: the Flux installation, or the source and Kustomization. */
export type WatchedPart = 'installation' | 'manifests';

/** One watched object between two looks: before undefined when it is new, after undefined when deleted. */
export interface WatchedObjectChange {
  part: WatchedPart;
  before: WatchedObjectMark | undefined;
  after: WatchedObjectMark | undefined;
}

/** The watched objects of one collection (Deployments, the source, the Kustomization) by name. */
export interface WatchedCollectionMarks {
  part: WatchedPart;
  /** What names the collection's objects in logs, e.g. `Deployment`. */
  kind: string;
  objects: ReadonlyMap<string, WatchedObjectMark>;
}

/**
 * Whether a watched change may be drift the mode repairs: an object we installed (or applied) was
 * deleted, or its spec changed (its generation moved). A status-only update, a new object and
 * objects of others are not; neither is anything the mode does not keep (`Once`: nothing,
 * `ManifestsOnly`: not the installation). Our own apply moves the generation too: the reconcile it
 * causes finds nothing to repair and sends nothing, so it ends there.
 */
export function isDriftEvent(syncMode: SyncMode, change: WatchedObjectChange): boolean {
  const kept = change.part === 'installation' ? followsInstallation(syncMode) : followsManifests(syncMode);
  if (!kept || !change.before?.ours) return false;
  return change.after === undefined || change.after.generation !== change.before.generation;
}

/** The mark of a watched object as the API server returned it. */
export function markWatchedObject(object: unknown): WatchedObjectMark {
  const metadata = isRecord(object) && isRecord(object.metadata) ? object.metadata : {};
  const managedFields = Array.isArray(metadata.managedFields) ? (metadata.managedFields as unknown[]) : [];
  return {
    generation: typeof metadata.generation === 'number' ? metadata.generation : undefined,
    ours: managedFields.some((entry) => isRecord(entry) && entry.manager === fieldManager),
  };
}

/**
 * The objects that drifted between two looks at the same collections (same order), as
 * `Kind name`; empty when nothing may need a repair or there is no earlier look to compare with.
 */
export function findDriftedObjects(
  syncMode: SyncMode,
  previous: readonly WatchedCollectionMarks[] | undefined,
  current: readonly WatchedCollectionMarks[],
): string[] {
  if (!previous) return [];
  const drifted: string[] = [];
  for (const [index, now] of current.entries()) {
    const before = previous[index];
    if (!before) continue;
    for (const [name, mark] of before.objects) {
      const change = { part: now.part, before: mark, after: now.objects.get(name) };
      if (isDriftEvent(syncMode, change)) drifted.push(`${now.kind} ${name}`);
    }
  }
  return drifted;
}
