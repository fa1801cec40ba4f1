import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { statusCodeOf } from './errors.js';
import { callOptions, makeApiClient, type KubeRequestObserver } from './kubeconfig.js';

/**
 * Reads the data of single Secrets by a direct GET (no informer, no cache). Every request is
 * reported to the observer (the request metrics) and ends with the caller's signal.
 */
export class SecretDataReader {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig, observer?: KubeRequestObserver) {
    this.core = makeApiClient(kubeConfig, CoreV1Api, observer);
  }

  /**
   * The Secret's `data` (base64 values as stored), `{}` when it has none, `undefined` on 404.
   * Other failures are thrown as client-node raised them, for the caller to describe.
   */
  async readSecretData(
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<Record<string, string> | undefined> {
    try {
      const secret = await this.core.readNamespacedSecret({ name, namespace }, callOptions({ signal }));
      return secret.data ?? {};
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined;
      throw err;
    }
  }
}
