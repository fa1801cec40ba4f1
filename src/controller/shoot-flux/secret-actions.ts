import fastJsonPatch from 'fast-json-patch';
import { managedByLabelKey, managedByLabelValue, secretOwnerAnnotationKey } from '../../api/constants.js';
import { sortSecretKeys, type SecretKey } from './state.js';

/** The seed annotation that asks for the seed secret's labels to be copied into the shoot. */
export const copyLabelsAnnotation = 'gardener-extension-shoot-flux/copy-labels';

/** A secret as the shoot should hold it. */
export interface DesiredSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    [field: string]: unknown;
  };
  type: string;
  data: Record<string, string>;
  [field: string]: unknown;
}

/** The parts of a secret the sync compares. */
export interface SecretSnapshot {
  metadata: {
    name: string;
    namespace: string;
    /** uid and resourceVersion as read: a delete is meant for exactly this object. */
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  data?: Record<string, string>;
}

/** What to do with one secret in the shoot. */
export type SecretAction =
  | { action: 'create' | 'update' | 'unchanged'; desired: DesiredSecret }
  /** `type` is immutable: delete, then create. */
  | { action: 'recreate'; desired: DesiredSecret }
  /** A same-named secret we do not manage: never overwritten, reported as a configuration problem. */
  | { action: 'conflict'; desired: DesiredSecret }
  /** A secret we synced (recorded, and still carrying our owner mark) that the config no longer names. */
  | { action: 'delete'; existing: SecretSnapshot }
  /**
   * A recorded secret that is gone, or no longer carries our label and owner mark (someone
   * replaced it): dropped from the record, never deleted.
   */
  | { action: 'forget'; key: SecretKey; reason: 'gone' | 'not-ours' };

/** The seed secret (`ref-<name>`) a shoot secret is copied from. */
export interface SeedSecret {
  type?: string;
  data?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The shoot secret for a seed secret: same data and type, the managed-by label, the owner
 * annotation `owner`, and the seed labels only when the seed secret asks for it (never
 * overriding managed-by).
 */
export function buildShootSecret(
  name: string,
  namespace: string,
  seed: SeedSecret,
  owner: string,
): DesiredSecret {
  const copyLabels = seed.annotations?.[copyLabelsAnnotation]?.toLowerCase() === 'true';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { ...(copyLabels ? seed.labels : {}), [managedByLabelKey]: managedByLabelValue },
      annotations: { [secretOwnerAnnotationKey]: owner },
    },
    type: seed.type ?? 'Opaque',
    data: { ...seed.data },
  };
}

/** `namespace/name` of a secret or key. */
export function keyOfSecret(secret: SecretKey | { metadata: SecretKey }): string {
  const { namespace, name } = 'metadata' in secret ? secret.metadata : secret;
  return `${namespace}/${name}`;
}

function isLabelled(secret: SecretSnapshot): boolean {
  return secret.metadata.labels?.[managedByLabelKey] === managedByLabelValue;
}

/** What the plan is decided from. */
export interface SecretPlanInput {
  desired: readonly DesiredSecret[];
  /** The shoot's secrets at the desired and the recorded keys (absent when they do not exist). */
  existing: ReadonlyMap<string, SecretSnapshot>;
  /** The secrets recorded as synced by this Extension. */
  recorded: readonly SecretKey[];
  /** The owner mark of this Extension. */
  owner: string;
}

/**
 * Decides, without I/O, what the sync does. A desired secret is created when missing; a
 * same-named secret without our label is a conflict (never overwritten); one with our label is
 * ours to keep in sync (adopted when it lacks our owner mark, as secrets synced before the mark
 * existed do). Change detection compares data, type, labels and the owner mark, so an unchanged
 * secret costs no write. Only a recorded secret the config no longer names, and that still
 * carries our label and owner mark, is deleted; nothing else is, whatever its labels say.
 */
export function planSecretActions(input: SecretPlanInput): SecretAction[] {
  const { desired, existing, owner } = input;
  const desiredKeys = new Set(desired.map(keyOfSecret));
  const actions: SecretAction[] = desired.map((want): SecretAction => {
    const have = existing.get(keyOfSecret(want));
    if (!have) return { action: 'create', desired: want };
    if (!isLabelled(have)) return { action: 'conflict', desired: want };
    if ((have.type ?? 'Opaque') !== want.type) return { action: 'recreate', desired: want };
    const current = {
      data: have.data ?? {},
      labels: have.metadata.labels ?? {},
      owner: have.metadata.annotations?.[secretOwnerAnnotationKey],
    };
    const target = { data: want.data, labels: want.metadata.labels, owner };
    return fastJsonPatch.compare(current, target).length === 0
      ? { action: 'unchanged', desired: want }
      : { action: 'update', desired: want };
  });
  for (const key of sortSecretKeys(input.recorded)) {
    if (desiredKeys.has(keyOfSecret(key))) continue;
    const have = existing.get(keyOfSecret(key));
    if (!have) actions.push({ action: 'forget', key, reason: 'gone' });
    else if (!isLabelled(have) || have.metadata.annotations?.[secretOwnerAnnotationKey] !== owner) {
      actions.push({ action: 'forget', key, reason: 'not-ours' });
    } else actions.push({ action: 'delete', existing: have });
  }
  return actions;
}

/**
 * The ownership record around a sync: `ahead` is written before any secret is touched (what was
 * recorded plus every secret about to be written, so a crash in between cannot leave a secret of
 * ours unrecorded); `after` once the actions succeeded (the desired secrets we hold, without
 * deleted, forgotten and conflicting ones).
 */
export function buildOwnershipRecord(
  actions: readonly SecretAction[],
  recorded: readonly SecretKey[],
): { ahead: SecretKey[]; after: SecretKey[] } {
  const held = actions.flatMap((action): SecretKey[] =>
    action.action === 'create' ||
    action.action === 'update' ||
    action.action === 'unchanged' ||
    action.action === 'recreate'
      ? [{ namespace: action.desired.metadata.namespace, name: action.desired.metadata.name }]
      : [],
  );
  return { ahead: sortSecretKeys([...recorded, ...held]), after: sortSecretKeys(held) };
}
