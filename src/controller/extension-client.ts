import { CustomObjectsApi, PatchStrategy, type KubeConfig } from '@kubernetes/client-node';
import {
  clustersPlural,
  extensionsGroup,
  extensionsPlural,
  extensionsVersion,
} from '../gardener/constants.js';
import type { ClusterObject, Extension, ExtensionStatus, ObjectMeta } from '../gardener/types.js';
import { isNotFoundError, wrapKubernetesError } from '../kube/errors.js';
import { callOptions, makeApiClient, type KubeRequestObserver } from '../kube/kubeconfig.js';

/** A merge patch of the metadata fields the controller changes (null removes a key). */
export interface MetadataPatch {
  annotations?: Record<string, string | null>;
  finalizers?: string[] | null;
}

/**
 * Reads and patches Extensions and Clusters on the seed. Raw JSON through CustomObjectsApi (so no
 * field is dropped); every write is a merge patch, never a full update.
 */
export class ExtensionClient {
  private readonly custom: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig, observer?: KubeRequestObserver) {
    this.custom = makeApiClient(kubeConfig, CustomObjectsApi, observer);
  }

  /** The Extension, or `undefined` when it does not exist. */
  async readExtension(namespace: string, name: string, signal?: AbortSignal): Promise<Extension | undefined> {
    return this.read(
      'get',
      `extension ${namespace}/${name}`,
      async () =>
        (await this.custom.getNamespacedCustomObject(
          { group: extensionsGroup, version: extensionsVersion, namespace, plural: extensionsPlural, name },
          callOptions({ signal }),
        )) as Extension,
    );
  }

  /** Lists Extensions in all namespaces (for informers). */
  async listExtensions(): Promise<{ items: Extension[]; metadata?: { resourceVersion?: string } }> {
    return (await this.custom.listClusterCustomObject({
      group: extensionsGroup,
      version: extensionsVersion,
      plural: extensionsPlural,
    })) as { items: Extension[]; metadata?: { resourceVersion?: string } };
  }

  /** Lists the Extensions of one namespace. */
  async listNamespacedExtensions(namespace: string): Promise<{ items: Extension[] }> {
    return (await this.custom.listNamespacedCustomObject({
      group: extensionsGroup,
      version: extensionsVersion,
      namespace,
      plural: extensionsPlural,
    })) as { items: Extension[] };
  }

  /** Lists Clusters (for informers). */
  async listClusters(): Promise<{ items: ClusterObject[]; metadata?: { resourceVersion?: string } }> {
    return (await this.custom.listClusterCustomObject({
      group: extensionsGroup,
      version: extensionsVersion,
      plural: clustersPlural,
    })) as { items: ClusterObject[]; metadata?: { resourceVersion?: string } };
  }

  /** The Cluster of a shoot namespace (same name), or `undefined` when it does not exist. */
  async readCluster(name: string, signal?: AbortSignal): Promise<ClusterObject | undefined> {
    return this.read(
      'get',
      `cluster ${name}`,
      async () =>
        (await this.custom.getClusterCustomObject(
          { group: extensionsGroup, version: extensionsVersion, plural: clustersPlural, name },
          callOptions({ signal }),
        )) as ClusterObject,
    );
  }

  /**
   * Merge-patches the Extension's metadata; with `resourceVersion` the patch is an optimistic
   * lock (HTTP 409 if the object changed since).
   */
  async patchExtensionMetadata(
    extension: { metadata: ObjectMeta },
    patch: MetadataPatch,
    options: { resourceVersion?: string; signal?: AbortSignal } = {},
  ): Promise<Extension> {
    const { namespace = '', name } = extension.metadata;
    const metadata: Record<string, unknown> = { ...patch };
    if (options.resourceVersion) metadata.resourceVersion = options.resourceVersion;
    return this.call(
      'patch',
      `extension ${namespace}/${name}`,
      async () =>
        (await this.custom.patchNamespacedCustomObject(
          {
            group: extensionsGroup,
            version: extensionsVersion,
            namespace,
            plural: extensionsPlural,
            name,
            body: { metadata },
          },
          callOptions({ signal: options.signal, contentType: PatchStrategy.MergePatch }),
        )) as Extension,
    );
  }

  /** Merge-patches the Extension's `/status` subresource. */
  async patchExtensionStatus(
    extension: { metadata: ObjectMeta },
    status: ExtensionStatus,
    signal?: AbortSignal,
  ): Promise<Extension> {
    const { namespace = '', name } = extension.metadata;
    return this.call(
      'patch',
      `extension ${namespace}/${name} status`,
      async () =>
        (await this.custom.patchNamespacedCustomObjectStatus(
          {
            group: extensionsGroup,
            version: extensionsVersion,
            namespace,
            plural: extensionsPlural,
            name,
            body: { status },
          },
          callOptions({ signal, contentType: PatchStrategy.MergePatch }),
        )) as Extension,
    );
  }

  private async read<T>(verb: string, object: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(verb, object, request);
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }

  private async call<T>(verb: string, object: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw wrapKubernetesError(err, verb, object);
    }
  }
}
