import pRetry, { AbortError } from 'p-retry';
import { discardLogger, type Logger } from '../log/logger.js';
import { applyObject, fieldManager, waitForCrdsEstablished, type ApplyObject } from './apply.js';
import { isConflictError, isNotFoundError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';
import { encodePathSegment } from './rest-mapper.js';

/** One entry of a CRD's `spec.versions`, as far as the migration reads it. */
interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  [field: string]: unknown;
}

/** A CustomResourceDefinition, as far as the migration reads it. */
interface CrdShape {
  metadata?: { name?: string };
  spec?: {
    group?: string;
    scope?: string;
    names?: { plural?: string };
    versions?: CrdVersion[];
  };
  status?: { storedVersions?: string[] };
}

/** What the migration did for one CRD. */
export interface CrdStorageMigration {
  /** The CRD's name, e.g. `ocirepositories.source.toolkit.fluxcd.io`. */
  crd: string;
  /** The versions objects were stored in that the new definition no longer stores. */
  from: string[];
  /** The new storage version every object is stored in now. */
  to: string;
  /** How many objects were rewritten. */
  objects: number;
}

/** Inputs of {@link migrateCrdStorage}. */
export interface CrdStorageMigrationOptions {
  signal: AbortSignal;
  logger?: Logger;
  /** Field manager of the interim CRD apply (default ours, so the final apply takes its fields back). */
  fieldManager?: string;
  /** Objects read per list request. */
  pageSize?: number;
}

const crdPath = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function storageVersionOf(crd: CrdShape): string | undefined {
  return crd.spec?.versions?.find((version) => version.storage === true)?.name;
}

/**
 * The versions of `live.status.storedVersions` that objects may still be stored in but that
 * `next` does not store: each must be rewritten before `next` may drop or stop serving it.
 */
export function findStaleStoredVersions(live: unknown, next: unknown): string[] {
  const storage = storageVersionOf(next as CrdShape);
  if (storage === undefined) return [];
  const stored = (live as CrdShape | undefined)?.status?.storedVersions ?? [];
  return stored.filter((version) => version !== storage);
}

/**
 * The interim definition the objects are rewritten under: `next`, with every stale version the
 * live CRD defines still served (not stored), so objects stored in it stay readable while the
 * new storage version is already the one written.
 */
export function buildInterimCrd(live: unknown, next: ApplyObject, stale: readonly string[]): ApplyObject {
  const liveVersions = (live as CrdShape).spec?.versions ?? [];
  const nextSpec = (next as CrdShape).spec ?? {};
  const versions: CrdVersion[] = (nextSpec.versions ?? []).map((version) =>
    stale.includes(version.name) ? { ...version, served: true, storage: false } : { ...version },
  );
  for (const name of stale) {
    if (versions.some((version) => version.name === name)) continue;
    const old = liveVersions.find((version) => version.name === name);
    if (old) versions.push({ ...old, served: true, storage: false });
  }
  return { ...next, spec: { ...nextSpec, versions } };
}

function collectionPath(crd: CrdShape, version: string): string {
  const group = crd.spec?.group ?? '';
  return `/apis/${group}/${version}/${crd.spec?.names?.plural ?? ''}`;
}

function objectPath(crd: CrdShape, version: string, object: ObjectMeta): string {
  const group = crd.spec?.group ?? '';
  const plural = crd.spec?.names?.plural ?? '';
  const name = encodePathSegment(object.metadata?.name ?? '', 'name');
  if (crd.spec?.scope === 'Namespaced') {
    const namespace = encodePathSegment(object.metadata?.namespace ?? '', 'namespace');
    return `/apis/${group}/${version}/namespaces/${namespace}/${plural}/${name}`;
  }
  return `/apis/${group}/${version}/${plural}/${name}`;
}

interface ObjectMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/**
 * Rewrites one object unchanged through the API, so the server stores it in the current
 * storage version (an update re-encodes it). A conflict reads the object again and retries; an
 * object deleted meanwhile needs nothing.
 */
async function rewriteObject(
  client: KubeRawClient,
  crd: CrdShape,
  version: string,
  listed: ObjectMeta,
  signal: AbortSignal,
): Promise<boolean> {
  const path = objectPath(crd, version, listed);
  let current: unknown = listed;
  return pRetry(
    async () => {
      try {
        await client.request({ method: 'PUT', path, body: current, signal, verb: 'update', object: path });
        return true;
      } catch (err) {
        if (isNotFoundError(err)) return false;
        if (!isConflictError(err)) throw new AbortError(err instanceof Error ? err : String(err));
        const read = await client.request({ method: 'GET', path, signal, verb: 'get', object: path });
        current = read.body;
        throw err;
      }
    },
    { retries: 5, minTimeout: 50, maxTimeout: 1000, signal },
  ).catch((err: unknown) => {
    if (isNotFoundError(err)) return false;
    throw err;
  });
}

async function rewriteAll(
  client: KubeRawClient,
  crd: CrdShape,
  version: string,
  options: CrdStorageMigrationOptions,
): Promise<number> {
  let rewritten = 0;
  let continueToken: string | undefined;
  const path = collectionPath(crd, version);
  do {
    const query = { limit: options.pageSize ?? 500, continue: continueToken };
    const list = () =>
      client.request({ method: 'GET', path, query, signal: options.signal, verb: 'list', object: path });
    // A version the old definition did not serve is found only once the API server's CRD handler
    // has taken up the interim definition; from then on it also writes in the new storage version.
    const { body } =
      continueToken === undefined
        ? await pRetry(list, {
            retries: 8,
            minTimeout: 100,
            maxTimeout: 2000,
            signal: options.signal,
            shouldRetry: ({ error }) => isNotFoundError(error),
          })
        : await list();
    const page = body as { items?: ObjectMeta[]; metadata?: { continue?: string } } | undefined;
    for (const item of page?.items ?? []) {
      if (await rewriteObject(client, crd, version, item, options.signal)) rewritten += 1;
    }
    // An empty token ends the list as an absent one does.
    const token = page?.metadata?.continue;
    continueToken = token === undefined || token === '' ? undefined : token;
  } while (continueToken !== undefined);
  return rewritten;
}

/**
 * Storage migration before CRDs of a new release are applied. For every CRD in `next` whose live
 * `status.storedVersions` lists a version the new definition does not store: applies an interim
 * definition (the new one, the old versions still served), waits until it is Established,
 * rewrites every object through the API so it is stored in the new storage version, then sets
 * `status.storedVersions` to the new storage version alone. Afterwards `next` may drop the old
 * versions, and no object is left stored in a version the API server can no longer read. CRDs
 * that do not exist yet, or store nothing stale, are left untouched (no request but the read).
 */
export async function migrateCrdStorage(
  client: KubeRawClient,
  next: readonly ApplyObject[],
  options: CrdStorageMigrationOptions,
): Promise<CrdStorageMigration[]> {
  const logger = (options.logger ?? discardLogger).named('crd-storage-migration');
  const { signal } = options;
  const done: CrdStorageMigration[] = [];
  for (const crd of next.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const name = crd.metadata.name;
    const path = `${crdPath}/${encodePathSegment(name, 'name')}`;
    let live: unknown;
    try {
      live = (await client.request({ method: 'GET', path, signal, verb: 'get', object: path })).body;
    } catch (err) {
      if (isNotFoundError(err)) continue;
      throw err;
    }
    const stale = findStaleStoredVersions(live, crd);
    const storage = storageVersionOf(crd);
    if (stale.length === 0 || storage === undefined) continue;
    logger.info('Migrating stored objects to the new storage version', {
      crd: name,
      from: stale,
      to: storage,
    });
    await applyObject(client, buildInterimCrd(live, crd, stale), {
      fieldManager: options.fieldManager ?? fieldManager,
      signal,
    });
    await waitForCrdsEstablished(client, [name], signal, logger);
    const objects = await rewriteAll(client, crd, storage, options);
    await client.request({
      method: 'PATCH',
      path: `${path}/status`,
      body: { status: { storedVersions: [storage] } },
      contentType: 'application/merge-patch+json',
      signal,
      verb: 'patch',
      object: `CustomResourceDefinition ${name}`,
    });
    logger.info('Migrated stored objects', { crd: name, objects, storedVersions: [storage] });
    done.push({ crd: name, from: stale, to: storage, objects });
  }
  return done;
}
