import type { KubeConnection } from '../kube/kube-connection.js';
import {
  clustersPlural,
  extensionsGroup,
  extensionsPlural,
  extensionsVersion,
} from '../gardener/constants.js';
import type { ClusterObject, Extension, ExtensionStatus, ObjectMeta } from '../gardener/types.js';
import {
  CustomObjectClient,
  type CustomObjectList,
  type CustomResource,
} from '../kube/custom-object-client.js';
import type { KubeRequestObserver } from '../kube/kubeconfig.js';

/** A merge patch of the metadata fields the controller changes (null removes a key). */
export interface MetadataPatch {
  annotations?: Record<string, string | null>;
  finalizers?: string[] | null;
}

const extensions: CustomResource = {
  group: extensionsGroup,
  version: extensionsVersion,
  plural: extensionsPlural,
};
const clusters: CustomResource = {
  group: extensionsGroup,
  version: extensionsVersion,
  plural: clustersPlural,
};

/**
 * Reads and patches Extensions and Clusters on the seed. Raw JSON (so no field is dropped); every
 * write is a merge patch, never a full update.
 */
export class ExtensionClient {
  private readonly custom: CustomObjectClient;

  constructor(kubeConfig: KubeConnection, observer?: KubeRequestObserver) {
    this.custom = new CustomObjectClient(kubeConfig, observer);
  }

  /** The Extension, or `undefined` when it does not exist. */
  async readExtension(namespace: string, name: string, signal?: AbortSignal): Promise<Extension | undefined> {
    return this.custom.read<Extension>(
      extensions,
      { namespace, name },
      `extension ${namespace}/${name}`,
      signal,
    );
  }

  /** Lists Extensions in all namespaces (for informers). */
  async listExtensions(): Promise<CustomObjectList<Extension>> {
    return this.custom.list<Extension>(extensions);
  }

  /** Lists the Extensions of one namespace. */
  async listNamespacedExtensions(namespace: string): Promise<{ items: Extension[] }> {
    return this.custom.list<Extension>(extensions, namespace);
  }

  /** Lists Clusters (for informers). */
  async listClusters(): Promise<CustomObjectList<ClusterObject>> {
    return this.custom.list<ClusterObject>(clusters);
  }

  /** The Cluster of a shoot namespace (same name), or `undefined` when it does not exist. */
  async readCluster(name: string, signal?: AbortSignal): Promise<ClusterObject | undefined> {
    return this.custom.read<ClusterObject>(clusters, { name }, `cluster ${name}`, signal);
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
    return this.custom.mergePatch<Extension>(
      extensions,
      { namespace, name },
      { metadata },
      `extension ${namespace}/${name}`,
      options.signal,
    );
  }

  /** Merge-patches the Extension's `/status` subresource. */
  async patchExtensionStatus(
    extension: { metadata: ObjectMeta },
    status: ExtensionStatus,
    signal?: AbortSignal,
  ): Promise<Extension> {
    const { namespace = '', name } = extension.metadata;
    return this.custom.mergePatch<Extension>(
      extensions,
      { namespace, name, status: true },
      { status },
      `extension ${namespace}/${name} status`,
      signal,
    );
  }
}
