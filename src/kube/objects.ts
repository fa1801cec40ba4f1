import { isNotFoundError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';
import { buildObjectPath, type RestMapper } from './rest-mapper.js';

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

/** The object a delete is meant for: the server refuses the delete (409) when it is not. */
export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

/**
 * Deletes one object; a missing object is not an error. Returns whether it existed. With
 * `preconditions`, only the very object that was read is deleted: one replaced in between (same
 * name, new uid) or changed since (new resourceVersion) is refused with a 409 Conflict.
 */
export async function deleteObject(
  client: KubeRawClient,
  mapper: RestMapper,
  ref: ObjectReference,
  signal?: AbortSignal,
  preconditions?: DeletePreconditions,
): Promise<boolean> {
  const mapping = await mapper.resolve(ref.apiVersion, ref.kind, signal);
  try {
    await client.request({
      method: 'DELETE',
      path: buildObjectPath(mapping, ref.namespace, ref.name),
      ...(preconditions ? { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions } } : {}),
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
