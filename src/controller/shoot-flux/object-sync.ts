import { hashManifests } from '../../flux/install/hash.js';
import { projectLiveOnto } from '../../flux/live-projection.js';
import { describeObject, type AppliedObject, type ApplyObject } from '../../kube/apply.js';
import { readLiveObjects } from '../../kube/live-objects.js';
import type { Logger } from '../../log/logger.js';
import type { ClusterAccess } from './secret-sync.js';
import { findSelfManagers, type SelfManagedObjects } from './self-managed-detection.js';

/**
 * What the last sync of a set of objects recorded (in `status.state`): the hash of what was
 * applied and the hash of the live objects cut to its shape right after. Equal hashes on the
 * next look mean nothing of ours changed, and nothing is sent.
 */
export interface RecordedObjectSync {
  desired: string;
  live: string;
}

/** Why a sync applied, for logs and events. */
export type ObjectSyncCause = 'first sync' | 'config changed' | 'missing' | 'drifted';

/** What one sync of a set of objects did. */
export interface ObjectSyncResult {
  /** What to record for the next sync (unchanged when nothing was applied). */
  record: RecordedObjectSync | undefined;
  /** Why it applied; undefined when nothing was sent. */
  cause?: ObjectSyncCause;
  applied: readonly AppliedObject[];
  /** Objects another manager applies, left alone (none: undefined). */
  selfManaged?: SelfManagedObjects;
}

/** Inputs of one sync. */
export interface ObjectSyncParams {
  shoot: ClusterAccess;
  /** The objects as the extension wants them. */
  objects: readonly ApplyObject[];
  recorded: RecordedObjectSync | undefined;
  /** Applies the objects (server-side apply with our field manager) and returns the results. */
  apply: (objects: readonly ApplyObject[]) => Promise<readonly AppliedObject[]>;
  signal: AbortSignal;
  logger: Logger;
  /** Lists kinds with several objects by this selector (see readLiveObjects). */
  labelSelector?: string;
}

/**
 * What of an object is compared: not apiVersion and kind (they name it; list items may leave
 * them out), and for a cluster-scoped object not its metadata: such an object (a Flux CRD) can be
 * shared by several Flux namespaces of one cluster, whose instance labels then follow the last
 * apply; its content still is compared and repaired.
 */
function contentOf(object: ApplyObject): Record<string, unknown> {
  const content: Record<string, unknown> = { ...object };
  delete content.apiVersion;
  delete content.kind;
  if (object.metadata.namespace === undefined) delete content.metadata;
  return content;
}

function hashProjections(objects: readonly ApplyObject[], live: ReadonlyMap<string, unknown>): string {
  return hashManifests(
    objects.map((object) => ({
      apiVersion: object.apiVersion,
      kind: object.kind,
      metadata: { name: object.metadata.name, namespace: object.metadata.namespace },
      live: projectLiveOnto(contentOf(object), live.get(describeObject(object)) ?? null),
    })),
  );
}

/** What to record after `objects` were applied with `applied` as the server's answers. */
export function buildRecordedSync(
  objects: readonly ApplyObject[],
  applied: readonly AppliedObject[],
): RecordedObjectSync {
  const after = new Map(applied.map((result) => [result.object, result.applied]));
  return { desired: hashManifests(objects), live: hashProjections(objects, after) };
}

function resourceVersionOf(object: unknown): string | undefined {
  const version = (object as { metadata?: { resourceVersion?: unknown } } | undefined)?.metadata
    ?.resourceVersion;
  return typeof version === 'string' ? version : undefined;
}

/**
 * The apply results, an `updated` taken for `unchanged` when the server answered with the
 * resourceVersion read just before the apply (`live`, by `Kind namespace/name`): the server moves
 * our managedFields time only on a change, but in whole seconds, so an apply within the second of
 * our last change reads as updated otherwise, and would be reported as a repair.
 */
export function settleApplyResults(
  applied: readonly AppliedObject[],
  live: ReadonlyMap<string, unknown>,
): AppliedObject[] {
  return applied.map((result) => {
    if (result.result !== 'updated') return result;
    const before = resourceVersionOf(live.get(result.object));
    return before !== undefined && before === resourceVersionOf(result.applied)
      ? { ...result, result: 'unchanged' }
      : result;
  });
}

/**
 * Keeps a set of objects as the extension applies them, sending nothing in a steady state: reads
 * the live objects, leaves out those another manager applies (reported as self-managed), and
 * applies the rest only when one is missing, the desired set changed since the recorded sync, or
 * a field we set was changed in the cluster. What we do not set is never looked at.
 */
export async function syncObjects(params: ObjectSyncParams): Promise<ObjectSyncResult> {
  const { shoot, recorded, signal, logger } = params;
  const live = await readLiveObjects(shoot.client, params.objects, {
    mapper: shoot.mapper,
    signal,
    ...(params.labelSelector !== undefined ? { labelSelector: params.labelSelector } : {}),
  });
  const selfManaged: string[] = [];
  const managers = new Set<string>();
  const managed = params.objects.filter((object) => {
    const found = findSelfManagers(live.get(describeObject(object)), object);
    if (found.length === 0) return true;
    selfManaged.push(describeObject(object));
    for (const manager of found) managers.add(manager);
    return false;
  });
  const self = selfManaged.length > 0 ? { objects: selfManaged, managers: [...managers].sort() } : undefined;
  const desired = hashManifests(managed);
  const missing = managed.filter((object) => !live.has(describeObject(object)));
  let cause: ObjectSyncCause | undefined;
  if (recorded === undefined) cause = 'first sync';
  else if (missing.length > 0) cause = 'missing';
  else if (recorded.desired !== desired) cause = 'config changed';
  else if (recorded.live !== hashProjections(managed, live)) cause = 'drifted';
  if (cause === undefined || managed.length === 0) {
    return { record: recorded, applied: [], ...(self ? { selfManaged: self } : {}) };
  }
  logger.info('Applying objects', {
    cause,
    objects: managed.length,
    missing: missing.slice(0, 10).map(describeObject),
  });
  const applied = settleApplyResults(await params.apply(managed), live);
  return {
    record: buildRecordedSync(managed, applied),
    cause,
    applied,
    ...(self ? { selfManaged: self } : {}),
  };
}
