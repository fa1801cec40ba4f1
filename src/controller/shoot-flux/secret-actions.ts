import fastJsonPatch from 'fast-json-patch';
import { managedByLabelKey, managedByLabelValue } from '../../api/constants.js';

/** The seed annotation that asks for the seed secret's labels to be copied into the shoot. */
export const copyLabelsAnnotation = 'gardener-extension-shoot-flux/copy-labels';

/** A secret as the shoot should hold it. */
export interface DesiredSecret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string>; [field: string]: unknown };
  type: string;
  data: Record<string, string>;
  [field: string]: unknown;
}

/** The parts of a secret the sync compares. */
export interface SecretSnapshot {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
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
  /** A secret we manage that no config references any more. */
  | { action: 'delete'; existing: SecretSnapshot };

/** The seed secret (`ref-<name>`) a shoot secret is copied from. */
export interface SeedSecret {
  type?: string;
  data?: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/**
 * The shoot secret for a seed secret: same data and type, the managed-by label, and the seed
 * labels only when the seed secret asks for it (never overriding managed-by: D-17).
 */
export function buildShootSecret(name: string, namespace: string, seed: SeedSecret): DesiredSecret {
  const copyLabels = seed.annotations?.[copyLabelsAnnotation]?.toLowerCase() === 'true';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: { ...(copyLabels ? seed.labels : {}), [managedByLabelKey]: managedByLabelValue },
    },
    type: seed.type ?? 'Opaque',
    data: { ...seed.data },
  };
}

const keyOf = (s: { metadata: { name: string; namespace: string } }) =>
  `${s.metadata.namespace}/${s.metadata.name}`;

function isManaged(secret: SecretSnapshot): boolean {
  return secret.metadata.labels?.[managedByLabelKey] === managedByLabelValue;
}

/**
 * Decides, without I/O, what the sync does: `existing` are the shoot secrets with the desired
 * names plus every secret carrying our managed-by label. Change detection compares data, type
 * and labels, so an unchanged secret costs no write.
 */
export function planSecretActions(desired: DesiredSecret[], existing: SecretSnapshot[]): SecretAction[] {
  const existingByKey = new Map(existing.map((s) => [keyOf(s), s]));
  const desiredKeys = new Set(desired.map(keyOf));
  const actions: SecretAction[] = desired.map((want): SecretAction => {
    const have = existingByKey.get(keyOf(want));
    if (!have) return { action: 'create', desired: want };
    if (!isManaged(have)) return { action: 'conflict', desired: want };
    if ((have.type ?? 'Opaque') !== want.type) return { action: 'recreate', desired: want };
    const current = { data: have.data ?? {}, labels: have.metadata.labels ?? {} };
    const target = { data: want.data, labels: want.metadata.labels };
    return fastJsonPatch.compare(current, target).length === 0
      ? { action: 'unchanged', desired: want }
      : { action: 'update', desired: want };
  });
  for (const have of existing) {
    if (isManaged(have) && !desiredKeys.has(keyOf(have))) actions.push({ action: 'delete', existing: have });
  }
  return actions;
}
