import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import yaml from 'js-yaml';
// client-node's kubeconfig entry parsers (the same ones its KubeConfig uses), from the one module
// of client-node that does not load its generated API index.
import { newClusters, newContexts, newUsers } from '@kubernetes/client-node/dist/config_types.js';
import type { AgentPool } from './agent-pool.js';
import {
  LeanKubeConfig,
  type Cluster,
  type Context,
  type KubeConfigEntries,
  type User,
} from './kube-connection.js';

/** Where the seed kubeconfig came from (for the startup log line; never its content). */
export type KubeconfigSource = 'flag' | 'in-cluster' | 'env';

/**
 * Loads the seed kubeconfig as Gardener's extensions do: `--kubeconfig` if given, else the
 * in-cluster service account, else the files named by `$KUBECONFIG` (passed in by the CLI),
 * merged as kubectl merges them: a `:`-separated list, where the first file that sets a value
 * (the current context included) wins. `--master` then replaces the current cluster's server.
 */
export function loadKubeConfig(options: {
  kubeconfigFlag?: string;
  kubeconfigEnv?: string;
  /** Whether `$KUBERNETES_SERVICE_HOST` is set (the CLI reads the environment). */
  inClusterEnv: boolean;
  /** `$KUBERNETES_SERVICE_HOST` and `$KUBERNETES_SERVICE_PORT`, for the in-cluster server URL. */
  serviceHost?: string;
  servicePort?: string;
  serviceAccountDir?: string;
  /** `--master`: the API server URL to use instead of the kubeconfig's. */
  masterUrl?: string;
  /** Where the connection's keep-alive agents come from (default: a pool of its own). */
  agents?: AgentPool;
}): {
  kubeConfig: LeanKubeConfig;
  source: KubeconfigSource;
} {
  const loaded = loadKubeConfigSource(options);
  const kubeConfig = options.masterUrl
    ? overrideServer(loaded.kubeConfig, options.masterUrl)
    : loaded.kubeConfig;
  return { source: loaded.source, kubeConfig: new LeanKubeConfig(kubeConfig, options.agents) };
}

function loadKubeConfigSource(options: Parameters<typeof loadKubeConfig>[0]): {
  kubeConfig: LeanKubeConfig;
  source: KubeconfigSource;
} {
  if (options.kubeconfigFlag) {
    return { kubeConfig: new LeanKubeConfig(readKubeConfigFile(options.kubeconfigFlag)), source: 'flag' };
  }
  const serviceAccountDir = options.serviceAccountDir ?? '/var/run/secrets/kubernetes.io/serviceaccount';
  if (options.inClusterEnv && existsSync(`${serviceAccountDir}/token`)) {
    return { kubeConfig: buildInClusterConfig(serviceAccountDir, options), source: 'in-cluster' };
  }
  const files = (options.kubeconfigEnv ?? '').split(':').filter((file) => file !== '');
  if (files.length > 0) return { kubeConfig: mergeKubeConfigFiles(files), source: 'env' };
  throw new Error('no kubeconfig: pass --kubeconfig, run in a cluster, or set $KUBECONFIG');
}

/** The kubeconfig entries of one file, parsed as client-node parses them; relative paths resolved. */
function readKubeConfigFile(file: string): {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext: string;
} {
  const parsed = yaml.load(readFileSync(file, 'utf8'));
  const document = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const root = path.dirname(file);
  // client-node's parser yields null, not undefined, for the paths of a user without `user`.
  const absolute = (entry: string | undefined) =>
    !entry || path.isAbsolute(entry) ? entry : path.join(root, entry);
  const currentContext = document['current-context'];
  return {
    clusters: newClusters(document.clusters).map((cluster) => ({
      ...cluster,
      caFile: absolute(cluster.caFile),
    })),
    users: newUsers(document.users).map((user) => ({
      ...user,
      certFile: absolute(user.certFile),
      keyFile: absolute(user.keyFile),
    })),
    contexts: newContexts(document.contexts),
    // A file without one has no current context; the merge takes the next file's.
    currentContext: typeof currentContext === 'string' ? currentContext : '',
  };
}

/**
 * The in-cluster config as client-node builds it: the API server from the service host and port
 * (plain HTTP on 80, 8080 and 8001; an IPv6 host in brackets), the service account's CA, and its
 * token as a token file, read again as it rotates.
 */
function buildInClusterConfig(
  serviceAccountDir: string,
  options: { serviceHost?: string; servicePort?: string },
): LeanKubeConfig {
  const host = options.serviceHost ?? '';
  const port = options.servicePort ?? '';
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const serverHost = isIPv6(host) ? `[${host}]` : host;
  const namespaceFile = `${serviceAccountDir}/namespace`;
  return new LeanKubeConfig({
    clusters: [
      {
        name: 'inCluster',
        caFile: `${serviceAccountDir}/ca.crt`,
        server: `${scheme}://${serverHost}:${port}`,
        skipTLSVerify: false,
      },
    ],
    users: [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: `${serviceAccountDir}/token` } },
      },
    ],
    contexts: [
      {
        name: 'inClusterContext',
        cluster: 'inCluster',
        user: 'inClusterUser',
        namespace: existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8') : undefined,
      },
    ],
    currentContext: 'inClusterContext',
  });
}

/**
 * kubectl's merge of a `$KUBECONFIG` list: clusters, users and contexts by name, the first file
 * that has a name wins (client-node's own merge throws on a repeated name instead), and so does
 * the first file that sets a current context. Missing files are skipped; the first must exist.
 */
function mergeKubeConfigFiles(files: readonly string[]): LeanKubeConfig {
  const merged = {
    clusters: [] as Cluster[],
    users: [] as User[],
    contexts: [] as Context[],
    currentContext: '',
  };
  const addNew = <T extends { name: string }>(into: T[], items: readonly T[]) => {
    for (const item of items) if (!into.some((known) => known.name === item.name)) into.push(item);
  };
  for (const [index, file] of files.entries()) {
    if (index > 0 && !existsSync(file)) continue;
    const next = readKubeConfigFile(file);
    addNew(merged.clusters, next.clusters);
    addNew(merged.users, next.users);
    addNew(merged.contexts, next.contexts);
    if (!merged.currentContext) merged.currentContext = next.currentContext;
  }
  return new LeanKubeConfig(merged);
}

/** Points the current context's cluster at `server` (`--master`), keeping its TLS settings. */
function overrideServer(kubeConfig: LeanKubeConfig, server: string): KubeConfigEntries {
  const current = kubeConfig.getCurrentCluster();
  if (!current) throw new Error('kubeconfig has no current cluster to apply --master to');
  return {
    clusters: kubeConfig.clusters.map((cluster) =>
      cluster.name === current.name ? { ...cluster, server } : cluster,
    ),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  };
}

/** Loads a kubeconfig file (e.g. the garden's for the admission webhook), as kubectl would. */
export function loadKubeConfigFile(file: string): LeanKubeConfig {
  return new LeanKubeConfig(readKubeConfigFile(file));
}

/** Receives one observation per Kubernetes API request (for the requests metric). */
export type KubeRequestObserver = (verb: string, code: string) => void;

/** Kubernetes' verb of a request: a GET of a collection is a list, with `watch=true` a watch. */
export function verbOf(method: string, url: string): string {
  const parsed = new URL(url);
  switch (method) {
    case 'GET': {
      if (parsed.searchParams.get('watch') === 'true') return 'watch';
      const segments = parsed.pathname.split('/').filter((s) => s !== '');
      // /api/v1/<rest> or /apis/<group>/<version>/<rest>
      let rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
      if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
      return rest.length === 1 ? 'list' : 'get';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

/** Where a cluster is and how to authenticate to it, as a kubeconfig states it. */
export interface ClusterCredentials {
  readonly server: string;
  readonly caData?: string;
  readonly insecureSkipTLSVerify?: boolean;
  readonly user: {
    readonly token?: string;
    readonly clientCertificateData?: string;
    readonly clientKeyData?: string;
    readonly username?: string;
    readonly password?: string;
  };
}

/**
 * A KubeConfig of one cluster; `name` names its cluster, user and context (client-node caches by
 * user). Its keep-alive agent comes from `agents` (default: a pool of its own).
 */
export function buildKubeConfig(
  name: string,
  credentials: ClusterCredentials,
  agents?: AgentPool,
): LeanKubeConfig {
  return new LeanKubeConfig(
    {
      clusters: [
        {
          name,
          server: credentials.server,
          caData: credentials.caData,
          skipTLSVerify: credentials.insecureSkipTLSVerify ?? false,
        },
      ],
      users: [
        {
          name,
          token: credentials.user.token,
          certData: credentials.user.clientCertificateData,
          keyData: credentials.user.clientKeyData,
          username: credentials.user.username,
          password: credentials.user.password,
        },
      ],
      contexts: [{ name, cluster: name, user: name }],
      currentContext: name,
    },
    agents,
  );
}
