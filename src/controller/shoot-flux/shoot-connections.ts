import type { KubeConfig } from '@kubernetes/client-node';
import type { RequestTimeouts } from '../../kube/http-transport.js';
import type { KubeRequestObserver } from '../../kube/kubeconfig.js';
import { KubeRawClient } from '../../kube/raw-client.js';
import { RestMapper } from '../../kube/rest-mapper.js';
import type { ClusterAccess } from './secret-sync.js';

/** Where shoot KubeConfigs come from (ShootClientProvider in production). */
export interface ShootKubeConfigSource {
  kubeConfigFor(namespace: string, signal?: AbortSignal): Promise<KubeConfig>;
}

/** How shoot clients are made. */
export interface ShootConnectionsOptions {
  readonly shootClients: ShootKubeConfigSource;
  readonly requestObserver?: KubeRequestObserver;
  /** Connect and request timeouts of every request to a shoot. */
  readonly timeouts?: RequestTimeouts;
  /** Ends every request and watch of every shoot client when aborted (shutdown). */
  readonly lifetime: AbortSignal;
}

/**
 * The clients (raw client and discovery cache) of each shoot, made once per shoot KubeConfig:
 * a rotated access secret brings a new KubeConfig and with it new clients.
 */
export class ShootConnections {
  private readonly byKubeConfig = new WeakMap<KubeConfig, ClusterAccess>();

  constructor(private readonly options: ShootConnectionsOptions) {}

  /** The shoot's clients; the access secret read ends with `signal` (the reconcile deadline). */
  async connect(namespace: string, signal?: AbortSignal): Promise<ClusterAccess> {
    const kubeConfig = await this.options.shootClients.kubeConfigFor(namespace, signal);
    let access = this.byKubeConfig.get(kubeConfig);
    if (!access) {
      const client = new KubeRawClient(kubeConfig, this.options.requestObserver, {
        serverRole: 'shoot API server',
        timeouts: this.options.timeouts,
        lifetime: this.options.lifetime,
      });
      access = { client, mapper: new RestMapper(client) };
      this.byKubeConfig.set(kubeConfig, access);
    }
    return access;
  }
}
