import { createHash } from 'node:crypto';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { errorCodes, type ErrorCode } from '../../gardener/constants.js';
import {
  decodeShootKubeconfig,
  shootAccessKubeconfigKey,
  shootAccessSecretNames,
  type ShootClientMode,
  type ShootKubeconfig,
} from '../../gardener/shoot-access.js';
import { describeApiError } from '../../kube/errors.js';

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
  kubeConfig: KubeConfig;
}

/**
 * Builds KubeConfigs for shoots from their access secrets in the seed. The secret is read on
 * every call because gardener-resource-manager rotates its token; the KubeConfig (and with it the
 * clients made from it) is reused while the secret's content is unchanged.
 */
export class ShootClientProvider {
  private readonly cache = new Map<string, CachedClient>();
  private readonly core: CoreV1Api;

  constructor(
    seed: KubeConfig,
    private readonly mode: ShootClientMode,
  ) {
    this.core = seed.makeApiClient(CoreV1Api);
  }

  /** The shoot KubeConfig for the shoot whose control plane lives in `namespace` of the seed. */
  async kubeConfigFor(namespace: string): Promise<KubeConfig> {
    const { secretName, kubeconfigText } = await this.readAccessSecret(namespace);
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
    const kubeConfig = buildKubeConfig(`${namespace}-${fingerprint.slice(0, 12)}`, decoded.kubeconfig);
    this.cache.set(namespace, { fingerprint, kubeConfig });
    return kubeConfig;
  }

  /** Forgets the client of a shoot (its Extension is gone). */
  forget(namespace: string): void {
    this.cache.delete(namespace);
  }

  private async readAccessSecret(namespace: string): Promise<{ secretName: string; kubeconfigText: string }> {
    const names = shootAccessSecretNames(this.mode);
    for (const name of names) {
      try {
        const secret = await this.core.readNamespacedSecret({ name, namespace });
        const encoded = secret.data?.[shootAccessKubeconfigKey];
        if (!encoded)
          throw new ShootAccessError(`secret ${namespace}/${name} has no "${shootAccessKubeconfigKey}" key`);
        return { secretName: name, kubeconfigText: Buffer.from(encoded, 'base64').toString('utf8') };
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) continue;
        if (err instanceof ShootAccessError) throw err;
        // The seed's own request errors are described like every other request's: never raw.
        throw new ShootAccessError(`reading secret ${namespace}/${name}: ${describeApiError(err)}`);
      }
    }
    throw new ShootAccessError(`no shoot access secret in ${namespace} (looked for ${names.join(', ')})`);
  }
}

/** A KubeConfig for one shoot; the user name is unique because client-node caches by it. */
function buildKubeConfig(name: string, shoot: ShootKubeconfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name,
        server: shoot.server,
        caData: shoot.caData,
        skipTLSVerify: shoot.insecureSkipTLSVerify ?? false,
      },
    ],
    users: [
      {
        name,
        token: shoot.user.token,
        certData: shoot.user.clientCertificateData,
        keyData: shoot.user.clientKeyData,
        username: shoot.user.username,
        password: shoot.user.password,
      },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kubeConfig;
}
