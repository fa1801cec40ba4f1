import type { KubeRawClient } from './raw-client.js';
import { isNotFoundError } from './errors.js';

// Asks for the object's metadata only: the Secret's data never reaches this process.
const partialObjectMetadata = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

/**
 * Whether Secrets exist, by a direct, uncached GET of their metadata (no informer on all secrets
 * of a cluster, no secret data in memory). Needs only `get` on secrets.
 */
export class SecretExistenceReader {
  constructor(private readonly client: KubeRawClient) {}

  /** True when the Secret exists, false on 404; other failures throw KubernetesApiError. */
  async secretExists(namespace: string, name: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.client.request({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
        accept: partialObjectMetadata,
        verb: 'get',
        object: `Secret ${namespace}/${name}`,
        ...(signal ? { signal } : {}),
      });
      return true;
    } catch (err) {
      if (isNotFoundError(err)) return false;
      throw err;
    }
  }
}
