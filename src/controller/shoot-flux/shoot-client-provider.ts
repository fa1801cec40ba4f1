import { createHash } from 'node:crypto';
import { AgentPool } from '../../kube/agent-pool.js';
import type { KubeConnection, LeanKubeConfig } from '../../kube/kube-connection.js';
import { errorCodes, type ErrorCode } from '../../gardener/constants.js';
import {
  decodeShootKubeconfig,
  shootAccessKubeconfigKey,
  shootAccessSecretNames,
  type ShootClientMode,
} from '../../gardener/shoot-access.js';
import { describeApiError } from '../../kube/errors.js';
import { buildKubeConfig, type KubeRequestObserver } from '../../kube/kubeconfig.js';
import { SecretDataReader } from '../../kube/secret-data-reader.js';

/**
 * Why no shoot client could be built; never carries credentials. A broken access kubeconfig
 * carries `ERR_RETRYABLE_INFRA_DEPENDENCIES`: gardenlet and gardener-resource-manager own that
 * secret and rewrite it (token rotation), so the next attempt may succeed.
 */
export class ShootAccessError extends Error {
  override readonly name = 'ShootAccessError';
  constructor(
    message: string,
    /** Gardener error codes (found by extractErrorCodes like a CodedError's). */
    readonly codes: readonly ErrorCode[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface CachedClient {
  fingerprint: string;
  kubeConfig: LeanKubeConfig;
}

/**
 * Builds KubeConfigs for shoots from their access secrets in the seed. The secret is read on
 * every call because gardener-resource-manager rotates its token; the KubeConfig (and with it the
 * clients made from it) is reused while the secret's content is unchanged. All shoot
 * KubeConfigs take their keep-alive agents from one pool, so shoots behind the same API server
 * and CA share sockets; a replaced or forgotten KubeConfig releases its agent.
 */
export class ShootClientProvider {
  private readonly cache = new Map<string, CachedClient>();
  private readonly secrets: SecretDataReader;

  /**
   * `observer` reports the secret reads to the request metrics like every other seed request;
   * `agents` is where shoot connections get their sockets (default: a pool of its own).
   */
  constructor(
    seed: KubeConnection,
    private readonly mode: ShootClientMode,
    observer?: KubeRequestObserver,
    readonly agents: AgentPool = new AgentPool(),
  ) {
    this.secrets = new SecretDataReader(seed, observer);
  }

  /**
   * The shoot KubeConfig for the shoot whose control plane lives in `namespace` of the seed; the
   * secret read ends with `signal` (the reconcile deadline).
   */
  async kubeConfigFor(namespace: string, signal?: AbortSignal): Promise<KubeConnection> {
    const { secretName, kubeconfigText } = await this.readAccessSecret(namespace, signal);
    const fingerprint = createHash('sha256')
      .update(secretName)
      .update('\0')
      .update(kubeconfigText)
      .digest('hex');
    const cached = this.cache.get(namespace);
    if (cached?.fingerprint === fingerprint) return cached.kubeConfig;
    const decoded = decodeShootKubeconfig(kubeconfigText);
    if ('error' in decoded) {
      throw new ShootAccessError(`secret ${namespace}/${secretName}: ${decoded.error}`, [
        errorCodes.retryableInfraDependencies,
      ]);
    }
    const kubeConfig = buildKubeConfig(
      `${namespace}-${fingerprint.slice(0, 12)}`,
      decoded.kubeconfig,
      this.agents,
    );
    // The rotated-out KubeConfig's sockets close as their last requests end.
    cached?.kubeConfig.close();
    this.cache.set(namespace, { fingerprint, kubeConfig });
    return kubeConfig;
  }

  /** Forgets the client of a shoot (its Extension is gone, or the controller stops). */
  forget(namespace: string): void {
    this.cache.get(namespace)?.kubeConfig.close();
    this.cache.delete(namespace);
  }

  /** How many shoots have a cached client (for tests and leak checks). */
  get size(): number {
    return this.cache.size;
  }

  private async readAccessSecret(
    namespace: string,
    signal?: AbortSignal,
  ): Promise<{ secretName: string; kubeconfigText: string }> {
    const names = shootAccessSecretNames(this.mode);
    for (const name of names) {
      let data: Record<string, string> | undefined;
      try {
        data = await this.secrets.readSecretData(namespace, name, signal);
      } catch (err) {
        // The seed's own request errors are described like every other request's: never raw.
        throw new ShootAccessError(`reading secret ${namespace}/${name}: ${describeApiError(err)}`);
      }
      if (data === undefined) continue;
      const encoded = data[shootAccessKubeconfigKey];
      if (!encoded)
        throw new ShootAccessError(`secret ${namespace}/${name} has no "${shootAccessKubeconfigKey}" key`);
      return { secretName: name, kubeconfigText: Buffer.from(encoded, 'base64').toString('utf8') };
    }
    throw new ShootAccessError(`no shoot access secret in ${namespace} (looked for ${names.join(', ')})`);
  }
}
