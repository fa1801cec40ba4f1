import type { KubeConnection } from '../../kube/kube-connection.js';
import type { RequestTimeouts } from '../../kube/http-transport.js';
import type { KubeRequestObserver } from '../../kube/kubeconfig.js';
import { KubeRawClient } from '../../kube/raw-client.js';
import { RestMapper } from '../../kube/rest-mapper.js';
import type { ClusterAccess } from './secret-sync.js';

/** Where shoot KubeConfigs come from (ShootClientProvider in production). */
export interface ShootKubeConfigSource {
  kubeConfigFor(namespace: string, signal?: AbortSignal): Promise<KubeConnection>;
  /** Drops what it caches for the shoot (its Extension is gone, or the controller stops). */
  forget?(namespace: string): void;
  /** The pool shoot connections take their sockets from, if the source has one (for leak checks). */
  readonly agents?: { readonly size: number; readonly openSockets: number };
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
  private readonly byNamespace = new Map<string, { kubeConfig: KubeConnection; access: ClusterAccess }>();

  constructor(private readonly options: ShootConnectionsOptions) {}

  /** The shoot's clients; the access secret read ends with `signal` (the reconcile deadline). */
  async connect(namespace: string, signal?: AbortSignal): Promise<ClusterAccess> {
    const kubeConfig = await this.options.shootClients.kubeConfigFor(namespace, signal);
    const known = this.byNamespace.get(namespace);
    if (known?.kubeConfig === kubeConfig) return known.access;
    const client = new KubeRawClient(kubeConfig, this.options.requestObserver, {
      serverRole: 'shoot API server',
      timeouts: this.options.timeouts,
      lifetime: this.options.lifetime,
    });
    const access = { client, mapper: new RestMapper(client) };
    this.byNamespace.set(namespace, { kubeConfig, access });
    return access;
  }

  /** Whether clients of the shoot in `namespace` are held (for leak checks). */
  has(namespace: string): boolean {
    return this.byNamespace.has(namespace);
  }

  /** Releases the shoot's clients and its cached KubeConfig (its Extension is gone). */
  forget(namespace: string): void {
    this.byNamespace.delete(namespace);
    this.options.shootClients.forget?.(namespace);
  }

  /** Releases every shoot's clients (shutdown). */
  forgetAll(): void {
    for (const namespace of [...this.byNamespace.keys()]) this.forget(namespace);
  }
}
