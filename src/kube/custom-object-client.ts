import type { KubeConnection } from './kube-connection.js';
import { isNotFoundError } from './errors.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubeRawClient, mergePatchContentType } from './raw-client.js';

/** The group, version and plural of one custom resource, e.g. `extensions.gardener.cloud/v1alpha1`, `extensions`. */
export interface CustomResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** A list answer: the items and the list's resourceVersion (for informers). */
export interface CustomObjectList<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/**
 * Reads and merge-patches custom objects as raw JSON through KubeRawClient (so no field is
 * dropped); every write is a merge patch, never a full update. Failures become KubernetesApiErrors
 * naming the verb and the object (`what` is e.g. `extension ns/name`).
 */
export class CustomObjectClient {
  private readonly client: KubeRawClient;

  constructor(kubeConfig: KubeConnection, observer?: KubeRequestObserver) {
    this.client = new KubeRawClient(kubeConfig, observer);
  }

  /** The object (namespaced when `namespace` is set), or `undefined` when it does not exist. */
  async read<T>(
    resource: CustomResource,
    where: { namespace?: string; name: string },
    what: string,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    try {
      const { body } = await this.client.request({
        method: 'GET',
        path: objectPath(resource, where.namespace, where.name),
        signal,
        verb: 'get',
        object: what,
      });
      return body as T;
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }

  /** Lists the objects of all namespaces, or of one. Failures are KubernetesApiErrors with their status. */
  async list<T>(resource: CustomResource, namespace?: string): Promise<CustomObjectList<T>> {
    const { body } = await this.client.request({
      method: 'GET',
      path: objectPath(resource, namespace),
      verb: 'list',
      object: namespace === undefined ? resource.plural : `${resource.plural} in ${namespace}`,
    });
    return body as CustomObjectList<T>;
  }

  /** Merge-patches a namespaced object, or its `/status` subresource with `status: true`. */
  async mergePatch<T>(
    resource: CustomResource,
    where: { namespace: string; name: string; status?: boolean },
    body: object,
    what: string,
    signal?: AbortSignal,
  ): Promise<T> {
    const path = objectPath(resource, where.namespace, where.name);
    const answer = await this.client.request({
      method: 'PATCH',
      path: where.status ? `${path}/status` : path,
      body,
      contentType: mergePatchContentType,
      signal,
      verb: 'patch',
      object: what,
    });
    return answer.body as T;
  }
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>]`. */
function objectPath(resource: CustomResource, namespace?: string, name?: string): string {
  const scope = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  const object = name === undefined ? '' : `/${encodeURIComponent(name)}`;
  return `/apis/${resource.group}/${resource.version}${scope}/${resource.plural}${object}`;
}
