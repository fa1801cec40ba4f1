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
  /**
   * The resourceVersion of this client's last write per Extension (`namespace/name`), until a
   * read saw it: what a cached read checks to never miss the controller's own writes.
   */
  private readonly written = new Map<string, string>();

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
    return this.recordWrite(
      await this.custom.mergePatch<Extension>(
        extensions,
        { namespace, name },
        { metadata },
        `extension ${namespace}/${name}`,
        options.signal,
      ),
    );
  }

  /** Merge-patches the Extension's `/status` subresource. */
  async patchExtensionStatus(
    extension: { metadata: ObjectMeta },
    status: ExtensionStatus,
    signal?: AbortSignal,
  ): Promise<Extension> {
    const { namespace = '', name } = extension.metadata;
    return this.recordWrite(
      await this.custom.mergePatch<Extension>(
        extensions,
        { namespace, name, status: true },
        { status },
        `extension ${namespace}/${name} status`,
        signal,
      ),
    );
  }

  /**
   * Whether `seen` (a cached copy, or undefined for one not cached) includes this client's last
   * write of the Extension; a copy that does also ends the record. Without a recorded write any
   * copy is as new as the controller's view.
   */
  includesOwnWrites(namespace: string, name: string, seen: Extension | undefined): boolean {
    const key = `${namespace}/${name}`;
    const written = this.written.get(key);
    if (written === undefined) return true;
    if (!isAtLeast(seen?.metadata.resourceVersion, written)) return false;
    this.written.delete(key);
    return true;
  }

  /** Drops the write record of an Extension (it was deleted, or read fresh from the server). */
  forgetWrites(namespace: string, name: string): void {
    this.written.delete(`${namespace}/${name}`);
  }

  /** Extensions whose last write no read has seen yet (for leak checks). */
  get unseenWrites(): number {
    return this.written.size;
  }

  private recordWrite(extension: Extension): Extension {
    const { namespace = '', name, resourceVersion } = extension.metadata;
    if (resourceVersion) this.written.set(`${namespace}/${name}`, resourceVersion);
    return extension;
  }
}

/**
 * Whether resourceVersion `seen` is `written` or later. Kubernetes calls them opaque; the API
 * server's are etcd revisions (decimal integers), compared as such, and anything else only by
 * equality, so an unknown format costs a read, never a stale answer.
 */
function isAtLeast(seen: string | undefined, written: string): boolean {
  if (seen === undefined) return false;
  if (seen === written) return true;
  const decimal = /^[0-9]{1,19}$/;
  return decimal.test(seen) && decimal.test(written) && BigInt(seen) > BigInt(written);
}
