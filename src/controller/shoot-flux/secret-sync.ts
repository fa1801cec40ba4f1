import { managedByLabelKey, managedByLabelValue } from '../../api/constants.js';
import type { SecretSync } from '../../flux/secret-plan.js';
import { errorCodes } from '../../gardener/constants.js';
import { applyObject } from '../../kube/apply.js';
import { deleteObject, listObjects, readObject } from '../../kube/objects.js';
import type { KubeRawClient } from '../../kube/raw-client.js';
import type { RestMapper } from '../../kube/rest-mapper.js';
import type { Logger } from '../../log/logger.js';
import { CodedError } from '../errors.js';
import {
  buildShootSecret,
  planSecretActions,
  type DesiredSecret,
  type SecretSnapshot,
} from './secret-actions.js';

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
      labels: secret.metadata?.labels,
    },
    type: secret.type,
    data: secret.data,
  };
}

/** Reads the seed copies (`ref-*`) and turns them into the shoot secrets the plan asks for. */
async function buildDesiredSecrets(
  seed: ClusterAccess,
  seedNamespace: string,
  plan: readonly SecretSync[],
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
    desired.push(
      buildShootSecret(item.targetName, item.targetNamespace, {
        type: seedSecret.type,
        data: seedSecret.data,
        labels: seedSecret.metadata?.labels,
        annotations: seedSecret.metadata?.annotations,
      }),
    );
  }
  return desired;
}

/**
 * Syncs the planned secrets from the seed into the shoot: creates and updates what changed (an
 * unchanged secret costs no write), recreates on a type change, deletes managed secrets no longer
 * referenced, and never touches a same-named secret we do not manage: that is reported as a
 * (retryable) configuration problem after everything else was synced.
 */
export async function syncSecrets(params: {
  seed: ClusterAccess;
  shoot: ClusterAccess;
  seedNamespace: string;
  plan: readonly SecretSync[];
  signal: AbortSignal;
  logger: Logger;
}): Promise<SecretSyncResult> {
  const { seed, shoot, signal, logger } = params;
  const desired = await buildDesiredSecrets(seed, params.seedNamespace, params.plan, signal);
  // Our secrets come with one list; only desired names missing from it need a read, to find
  // same-named secrets we do not manage.
  const managed = (
    (await listObjects(
      shoot.client,
      shoot.mapper,
      secretKind,
      `${managedByLabelKey}=${managedByLabelValue}`,
      signal,
    )) as SecretShape[]
  ).map(snapshotOf);
  const existing: SecretSnapshot[] = [...managed];
  const known = new Set(managed.map((s) => `${s.metadata.namespace}/${s.metadata.name}`));
  for (const want of desired) {
    if (known.has(`${want.metadata.namespace}/${want.metadata.name}`)) continue;
    const have = (await readObject(
      shoot.client,
      shoot.mapper,
      { ...secretKind, namespace: want.metadata.namespace, name: want.metadata.name },
      signal,
    )) as SecretShape | undefined;
    if (have) existing.push(snapshotOf(have));
  }

  const result: SecretSyncResult = { created: [], updated: [], deleted: [], unchanged: [] };
  const conflicts: string[] = [];
  for (const action of planSecretActions(desired, existing)) {
    if (action.action === 'delete') {
      const { name, namespace } = action.existing.metadata;
      await deleteObject(shoot.client, shoot.mapper, { ...secretKind, namespace, name }, signal);
      result.deleted.push(`${namespace}/${name}`);
      logger.info('Deleted secret that is no longer referenced', { secret: { namespace, name } });
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
      case 'recreate':
        await deleteObject(shoot.client, shoot.mapper, { ...secretKind, namespace, name }, signal);
        await applyObject(shoot.client, action.desired, { signal, mapper: shoot.mapper });
        result.updated.push(key);
        logger.info('Recreated secret with a new type', {
          secret: { namespace, name },
          type: action.desired.type,
        });
        break;
      case 'create':
      case 'update':
        await applyObject(shoot.client, action.desired, { signal, mapper: shoot.mapper });
        (action.action === 'create' ? result.created : result.updated).push(key);
        logger.info('Synced secret', { secret: { namespace, name }, result: action.action });
        break;
    }
  }
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
