import { managedByLabelKey, managedByLabelValue } from '../../api/constants.js';
import type { SecretSync } from '../../flux/secret-plan.js';
import { errorCodes } from '../../gardener/constants.js';
import { applyObject } from '../../kube/apply.js';
import { isConflictError } from '../../kube/errors.js';
import { deleteObject, readObject } from '../../kube/objects.js';
import type { KubeRawClient } from '../../kube/raw-client.js';
import type { RestMapper } from '../../kube/rest-mapper.js';
import type { Logger } from '../../log/logger.js';
import { CodedError } from '../errors.js';
import {
  buildOwnershipRecord,
  buildShootSecret,
  keyOfSecret,
  planSecretActions,
  type DesiredSecret,
  type SecretSnapshot,
} from './secret-actions.js';
import type { SecretKey, SecretOwnershipState } from './state.js';

/** A cluster with the discovery cache that belongs to it. */
export interface ClusterAccess {
  client: KubeRawClient;
  mapper: RestMapper;
}

/** What a secret sync did, by `namespace/name`. */
export interface SecretSyncResult {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

interface SecretShape {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type?: string;
  data?: Record<string, string>;
}

const secretKind = { apiVersion: 'v1', kind: 'Secret' } as const;

function snapshotOf(secret: SecretShape): SecretSnapshot {
  return {
    metadata: {
      name: secret.metadata?.name ?? '',
      namespace: secret.metadata?.namespace ?? '',
      uid: secret.metadata?.uid,
      resourceVersion: secret.metadata?.resourceVersion,
      labels: secret.metadata?.labels,
      annotations: secret.metadata?.annotations,
    },
    type: secret.type,
    data: secret.data,
  };
}

/**
 * A referenced secret of the wrong type (an image pull secret that is no dockerconfigjson): the
 * user fixes the secret, not the Extension, so it is retried like a missing copy.
 */
function secretTypeError(item: SecretSync, type: string | undefined): CodedError {
  const field = item.purpose === 'image-pull' ? 'flux.imagePullSecret' : item.resourceName;
  return new CodedError(
    `${field}: the referenced secret (Shoot.spec.resources[name=${item.resourceName}]) has type ` +
      `${type ?? 'Opaque'}, must be ${item.requiredType ?? ''}`,
    [errorCodes.retryableConfigurationProblem],
  );
}

/** Reads the seed copies (`ref-*`) and turns them into the shoot secrets the plan asks for. */
async function buildDesiredSecrets(
  seed: ClusterAccess,
  seedNamespace: string,
  plan: readonly SecretSync[],
  owner: string,
  signal: AbortSignal,
): Promise<DesiredSecret[]> {
  const desired: DesiredSecret[] = [];
  for (const item of plan) {
    const seedSecret = (await readObject(
      seed.client,
      seed.mapper,
      { ...secretKind, namespace: seedNamespace, name: item.seedSecretName },
      signal,
    )) as SecretShape | undefined;
    if (!seedSecret) {
      // gardenlet copies Shoot.spec.resources into the seed before extensions reconcile; a
      // missing copy is a problem the user can fix in the Shoot, so it is retried.
      throw new CodedError(
        `referenced secret ${seedNamespace}/${item.seedSecretName} not found (copied by gardenlet from ` +
          `Shoot.spec.resources[name=${item.resourceName}])`,
        [errorCodes.retryableConfigurationProblem],
      );
    }
    if (item.requiredType !== undefined && seedSecret.type !== item.requiredType) {
      throw secretTypeError(item, seedSecret.type);
    }
    desired.push(
      buildShootSecret(
        item.targetName,
        item.targetNamespace,
        {
          type: seedSecret.type,
          data: seedSecret.data,
          labels: seedSecret.metadata?.labels,
          annotations: seedSecret.metadata?.annotations,
        },
        owner,
      ),
    );
  }
  return desired;
}

/** Reads the shoot secrets at `keys`, one GET each: only names we plan or recorded are ever read. */
async function readShootSecrets(
  shoot: ClusterAccess,
  keys: readonly SecretKey[],
  signal: AbortSignal,
): Promise<Map<string, SecretSnapshot>> {
  const existing = new Map<string, SecretSnapshot>();
  for (const key of keys) {
    if (existing.has(keyOfSecret(key))) continue;
    const have = (await readObject(shoot.client, shoot.mapper, { ...secretKind, ...key }, signal)) as
      SecretShape | undefined;
    if (have) existing.set(keyOfSecret(key), snapshotOf(have));
  }
  return existing;
}

/**
 * Deletes a secret we synced and no longer need, exactly as read (uid and resourceVersion are
 * preconditions): one changed or replaced since the read is left for the next reconcile to judge
 * again. Returns whether it is gone.
 */
async function deleteStaleSecret(
  shoot: ClusterAccess,
  secret: SecretSnapshot,
  signal: AbortSignal,
  logger: Logger,
): Promise<boolean> {
  const { name, namespace, uid, resourceVersion } = secret.metadata;
  try {
    await deleteObject(shoot.client, shoot.mapper, { ...secretKind, namespace, name }, signal, {
      uid,
      resourceVersion,
    });
  } catch (err) {
    if (!isConflictError(err)) throw err;
    logger.info('Kept a secret that changed since it was read; judging it again next time', {
      secret: { namespace, name },
    });
    return false;
  }
  logger.info('Deleted secret that is no longer referenced', { secret: { namespace, name } });
  return true;
}

/**
 * Syncs the planned secrets from the seed into the shoot: creates and updates what changed (an
 * unchanged secret costs no write), recreates on a type change, and deletes a secret only when
 * it is recorded in `ownership` as synced by this Extension, still carries its owner mark, and
 * the config no longer names it. Nothing is selected by label, so a copy of one of our secrets
 * or another team's secret with our label is never touched. A same-named secret without our
 * label is never overwritten: that is reported as a (retryable) configuration problem after
 * everything else was synced. The record is written through `recordOwnership` before any secret
 * is written and again afterwards (a write that changes nothing costs nothing).
 */
export async function syncSecrets(params: {
  seed: ClusterAccess;
  shoot: ClusterAccess;
  seedNamespace: string;
  plan: readonly SecretSync[];
  ownership: SecretOwnershipState;
  recordOwnership: (ownership: SecretOwnershipState) => Promise<void>;
  signal: AbortSignal;
  logger: Logger;
}): Promise<SecretSyncResult> {
  const { seed, shoot, signal, logger, ownership } = params;
  const { owner } = ownership;
  const desired = await buildDesiredSecrets(seed, params.seedNamespace, params.plan, owner, signal);
  const existing = await readShootSecrets(
    shoot,
    [
      ...desired.map((d) => ({ namespace: d.metadata.namespace, name: d.metadata.name })),
      ...ownership.synced,
    ],
    signal,
  );
  const actions = planSecretActions({ desired, existing, recorded: ownership.synced, owner });
  const record = buildOwnershipRecord(actions, ownership.synced);
  await params.recordOwnership({ owner, synced: record.ahead });

  const result: SecretSyncResult = { created: [], updated: [], deleted: [], unchanged: [] };
  const conflicts: string[] = [];
  const stillHeld: SecretKey[] = [];
  for (const action of actions) {
    if (action.action === 'delete') {
      if (!(await deleteStaleSecret(shoot, action.existing, signal, logger))) {
        stillHeld.push(action.existing.metadata);
        continue;
      }
      result.deleted.push(keyOfSecret(action.existing));
      continue;
    }
    if (action.action === 'forget') {
      if (action.reason === 'not-ours') {
        logger.info("Left alone a synced secret that no longer carries the extension's mark", {
          secret: action.key,
        });
      }
      continue;
    }
    const { name, namespace } = action.desired.metadata;
    const key = `${namespace}/${name}`;
    switch (action.action) {
      case 'conflict':
        conflicts.push(key);
        break;
      case 'unchanged':
        result.unchanged.push(key);
        break;
      case 'recreate': {
        const { uid, resourceVersion } = existing.get(key)?.metadata ?? {};
        await deleteObject(shoot.client, shoot.mapper, { ...secretKind, namespace, name }, signal, {
          uid,
          resourceVersion,
        });
        await applyObject(shoot.client, action.desired, { signal, mapper: shoot.mapper });
        result.updated.push(key);
        logger.info('Recreated secret with a new type', {
          secret: { namespace, name },
          type: action.desired.type,
        });
        break;
      }
      case 'create':
      case 'update':
        await applyObject(shoot.client, action.desired, { signal, mapper: shoot.mapper });
        (action.action === 'create' ? result.created : result.updated).push(key);
        logger.info('Synced secret', { secret: { namespace, name }, result: action.action });
        break;
    }
  }
  await params.recordOwnership({ owner, synced: [...record.after, ...stillHeld] });
  if (conflicts.length > 0) {
    throw new CodedError(
      `secrets ${conflicts.join(', ')} exist in the shoot but are not managed by the extension ` +
        `(label ${managedByLabelKey}=${managedByLabelValue} missing); they are left alone: rename the ` +
        'target secret or delete the existing one',
      [errorCodes.retryableConfigurationProblem],
    );
  }
  return result;
}
