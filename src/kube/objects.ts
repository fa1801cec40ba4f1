import { isNotFoundError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';
import { buildObjectPath, buildResourcePath, type RestMapper } from './rest-mapper.js';

/** Which object: apiVersion, kind, namespace (for namespaced kinds) and name. */
export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

function describe(ref: ObjectReference): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** Reads one object as raw JSON; `undefined` when it does not exist. */
export async function readObject(
  client: KubeRawClient,
  mapper: RestMapper,
  ref: ObjectReference,
  signal?: AbortSignal,
): Promise<unknown> {
  const mapping = await mapper.resolve(ref.apiVersion, ref.kind, signal);
  try {
    const { body } = await client.request({
      method: 'GET',
      path: buildObjectPath(mapping, ref.namespace, ref.name),
      signal,
      verb: 'get',
      object: describe(ref),
    });
    return body;
  } catch (err) {
    if (isNotFoundError(err)) return undefined;
    throw err;
  }
}

/** Lists objects of a kind across all namespaces (or cluster-scoped), optionally by label. */
export async function listObjects(
  client: KubeRawClient,
  mapper: RestMapper,
  kind: { apiVersion: string; kind: string },
  labelSelector?: string,
  signal?: AbortSignal,
): Promise<unknown[]> {
  const mapping = await mapper.resolve(kind.apiVersion, kind.kind, signal);
  const { body } = await client.request({
    method: 'GET',
    path: buildResourcePath(mapping),
    query: { labelSelector },
    signal,
    verb: 'list',
    object: `${kind.kind} (all namespaces)`,
  });
  return (body as { items?: unknown[] } | undefined)?.items ?? [];
}

/** Deletes one object; a missing object is not an error. Returns whether it existed. */
export async function deleteObject(
  client: KubeRawClient,
  mapper: RestMapper,
  ref: ObjectReference,
  signal?: AbortSignal,
): Promise<boolean> {
  const mapping = await mapper.resolve(ref.apiVersion, ref.kind, signal);
  try {
    await client.request({
      method: 'DELETE',
      path: buildObjectPath(mapping, ref.namespace, ref.name),
      signal,
      verb: 'delete',
      object: describe(ref),
    });
    return true;
  } catch (err) {
    if (isNotFoundError(err)) return false;
    throw err;
  }
}

/** Merge-patches one object (e.g. an annotation that asks a controller to act now). */
export async function mergePatchObject(
  client: KubeRawClient,
  mapper: RestMapper,
  ref: ObjectReference,
  patch: unknown,
  signal?: AbortSignal,
): Promise<void> {
  const mapping = await mapper.resolve(ref.apiVersion, ref.kind, signal);
  await client.request({
    method: 'PATCH',
    path: buildObjectPath(mapping, ref.namespace, ref.name),
    body: patch,
    contentType: 'application/merge-patch+json',
    signal,
    verb: 'patch',
    object: describe(ref),
  });
}
