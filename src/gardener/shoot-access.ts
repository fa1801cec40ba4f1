import yaml from 'js-yaml';

/** Which shoot access secret to use (env `GARDENER_SHOOT_CLIENT`). */
export type ShootClientMode = 'internal' | 'external';

/**
 * Secrets in the shoot's seed namespace that hold a kubeconfig for the shoot, in lookup order:
 * `gardener-internal` (in-cluster API server address) falls back to `gardener`; `external` uses
 * only `gardener`. Their tokens are rotated by gardener-resource-manager, so they are re-read on
 * every reconcile.
 */
export function shootAccessSecretNames(mode: ShootClientMode): readonly string[] {
  return mode === 'external' ? ['gardener'] : ['gardener-internal', 'gardener'];
}

/** The data key of the kubeconfig in a shoot access secret. */
export const shootAccessKubeconfigKey = 'kubeconfig';

/** The parts of a kubeconfig a shoot client is built from. */
export interface ShootKubeconfig {
  server: string;
  caData?: string;
  insecureSkipTLSVerify?: boolean;
  user: {
    token?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
    username?: string;
    password?: string;
  };
}

const allowedUserFields = ['token', 'client-certificate-data', 'client-key-data', 'username', 'password'];

interface RawKubeconfig {
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  'current-context'?: string;
}

function stringField(source: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = source?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Decodes the kubeconfig of a shoot access secret. Like Gardener, only token, client-certificate
 * and basic auth are accepted: exec plugins, auth providers, impersonation and file references
 * would run or read things on the seed. Errors never contain credential values.
 */
export function decodeShootKubeconfig(text: string): { kubeconfig: ShootKubeconfig } | { error: string } {
  let raw: RawKubeconfig;
  try {
    raw = yaml.load(text) ?? {};
  } catch {
    return { error: 'kubeconfig is not valid YAML' };
  }
  const contextName = raw['current-context'];
  const context = raw.contexts?.find((c) => c.name === contextName)?.context;
  if (!context)
    return { error: `kubeconfig has no current context${contextName ? ` "${contextName}"` : ''}` };
  const cluster = raw.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const server = stringField(cluster, 'server');
  if (!server) return { error: `kubeconfig cluster "${context.cluster ?? ''}" has no server` };
  const userName = context.user ?? '';
  const user = raw.users?.find((u) => u.name === userName)?.user ?? {};
  const forbidden = Object.keys(user).filter((key) => !allowedUserFields.includes(key));
  if (forbidden.length > 0) {
    return {
      error:
        `kubeconfig user "${userName}" uses unsupported fields ${forbidden.map((f) => `"${f}"`).join(', ')}; ` +
        `supported: ${allowedUserFields.join(', ')}`,
    };
  }
  const shootUser: ShootKubeconfig['user'] = {
    token: stringField(user, 'token'),
    clientCertificateData: stringField(user, 'client-certificate-data'),
    clientKeyData: stringField(user, 'client-key-data'),
    username: stringField(user, 'username'),
    password: stringField(user, 'password'),
  };
  if (!shootUser.token && !shootUser.clientCertificateData && !shootUser.username) {
    return { error: `kubeconfig user "${userName}" has no credentials (the token may not be issued yet)` };
  }
  return {
    kubeconfig: {
      server,
      caData: stringField(cluster, 'certificate-authority-data'),
      insecureSkipTLSVerify: cluster?.['insecure-skip-tls-verify'] === true,
      user: shootUser,
    },
  };
}
