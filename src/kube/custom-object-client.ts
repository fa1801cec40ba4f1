import { CustomObjectsApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import { isNotFoundError, wrapKubernetesError } from './errors.js';
import { callOptions, makeApiClient, type KubeRequestObserver } from './kubeconfig.js';

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
 * Reads and merge-patches custom objects as raw JSON through CustomObjectsApi (so no field is
 * dropped); every write is a merge patch, never a full update. Failures become KubernetesApiErrors
 * naming the verb and the object (`what` is e.g. `extension ns/name`).
 */
export class CustomObjectClient {
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig, observer?: KubeRequestObserver) {
    this.custom = makeApiClient(kubeConfig, CustomObjectsApi, observer);
  }

  /** The object (namespaced when `namespace` is set), or `undefined` when it does not exist. */
  async read<T>(
    resource: CustomResource,
    where: { namespace?: string; name: string },
    what: string,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    try {
      return await this.call('get', what, async () =>
        where.namespace === undefined
          ? ((await this.custom.getClusterCustomObject(
              { ...resource, name: where.name },
              callOptions({ signal }),
            )) as T)
          : ((await this.custom.getNamespacedCustomObject(
              { ...resource, namespace: where.namespace, name: where.name },
              callOptions({ signal }),
            )) as T),
      );
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }

  /** Lists the objects of all namespaces, or of one. Not wrapped: informers judge the raw failure. */
  async list<T>(resource: CustomResource, namespace?: string): Promise<CustomObjectList<T>> {
    return (
      namespace === undefined
        ? await this.custom.listClusterCustomObject(resource)
        : await this.custom.listNamespacedCustomObject({ ...resource, namespace })
    ) as CustomObjectList<T>;
  }

  /** Merge-patches a namespaced object, or its `/status` subresource with `status: true`. */
  async mergePatch<T>(
    resource: CustomResource,
    where: { namespace: string; name: string; status?: boolean },
    body: object,
    what: string,
    signal?: AbortSignal,
  ): Promise<T> {
    const request = { ...resource, namespace: where.namespace, name: where.name, body };
    const options = callOptions({ signal, contentType: PatchStrategy.MergePatch });
    return this.call('patch', what, async () =>
      where.status
        ? ((await this.custom.patchNamespacedCustomObjectStatus(request, options)) as T)
        : ((await this.custom.patchNamespacedCustomObject(request, options)) as T),
    );
  }

  private async call<T>(verb: string, object: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw wrapKubernetesError(err, verb, object);
    }
  }
}
