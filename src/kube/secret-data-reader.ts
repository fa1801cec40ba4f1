import type { KubeConnection } from './kube-connection.js';
import { isNotFoundError } from './errors.js';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubeRawClient } from './raw-client.js';

/**
 * Reads the data of single Secrets by a direct GET (no informer, no cache). Every request is
 * reported to the observer (the request metrics) and ends with the caller's signal. Raw JSON
 * through KubeRawClient, so reading a Secret needs none of client-node's typed APIs.
 */
export class SecretDataReader {
  private readonly client: KubeRawClient;

  constructor(kubeConfig: KubeConnection, observer?: KubeRequestObserver) {
    this.client = new KubeRawClient(kubeConfig, observer);
  }

  /**
   * The Secret's `data` (base64 values as stored), `{}` when it has none, `undefined` on 404.
   * Other failures are thrown as KubernetesApiErrors naming the Secret, for the caller to describe.
   */
  async readSecretData(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    try {
      const { body } = await this.client.request({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`,
        signal,
        verb: 'get',
        object: `Secret ${namespace}/${name}`,
      });
      const data = (body as { data?: Record<string, string> } | undefined)?.data;
      return data ?? {};
    } catch (err) {
      if (isNotFoundError(err)) return undefined;
      throw err;
    }
  }
}
