import { existsSync } from 'node:fs';
import {
  createConfiguration,
  IsomorphicFetchHttpLibrary,
  KubeConfig,
  Observable,
  ServerConfiguration,
  type Configuration,
  type Cluster,
  type ConfigurationOptions,
  type Context,
  type HttpLibrary,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type User,
} from '@kubernetes/client-node';

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
  serviceAccountDir?: string;
  /** `--master`: the API server URL to use instead of the kubeconfig's. */
  masterUrl?: string;
}): {
  kubeConfig: KubeConfig;
  source: KubeconfigSource;
} {
  const loaded = loadKubeConfigSource(options);
  if (options.masterUrl) overrideServer(loaded.kubeConfig, options.masterUrl);
  return loaded;
}

function loadKubeConfigSource(options: Parameters<typeof loadKubeConfig>[0]): {
  kubeConfig: KubeConfig;
  source: KubeconfigSource;
} {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfigFlag) {
    kubeConfig.loadFromFile(options.kubeconfigFlag);
    return { kubeConfig, source: 'flag' };
  }
  const serviceAccountDir = options.serviceAccountDir ?? '/var/run/secrets/kubernetes.io/serviceaccount';
  if (options.inClusterEnv && existsSync(`${serviceAccountDir}/token`)) {
    kubeConfig.loadFromCluster();
    return { kubeConfig, source: 'in-cluster' };
  }
  const files = (options.kubeconfigEnv ?? '').split(':').filter((file) => file !== '');
  if (files.length > 0) {
    mergeKubeConfigFiles(kubeConfig, files);
    return { kubeConfig, source: 'env' };
  }
  throw new Error('no kubeconfig: pass --kubeconfig, run in a cluster, or set $KUBECONFIG');
}

/**
 * kubectl's merge of a `$KUBECONFIG` list: clusters, users and contexts by name, the first file
 * that has a name wins (client-node's own merge throws on a repeated name instead), and so does
 * the first file that sets a current context. Missing files are skipped; the first must exist.
 */
function mergeKubeConfigFiles(kubeConfig: KubeConfig, files: readonly string[]): void {
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
    const next = new KubeConfig();
    next.loadFromFile(file);
    addNew(merged.clusters, next.clusters);
    addNew(merged.users, next.users);
    addNew(merged.contexts, next.contexts);
    // client-node leaves currentContext undefined for a file without one, despite its type.
    if (!merged.currentContext) merged.currentContext = next.currentContext;
  }
  kubeConfig.loadFromOptions(merged);
}

/** Points the current context's cluster at `server` (`--master`), keeping its TLS settings. */
function overrideServer(kubeConfig: KubeConfig, server: string): void {
  const current = kubeConfig.getCurrentCluster();
  if (!current) throw new Error('kubeconfig has no current cluster to apply --master to');
  kubeConfig.loadFromOptions({
    clusters: kubeConfig.clusters.map((cluster) =>
      cluster.name === current.name ? { ...cluster, server } : cluster,
    ),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
}

/** Loads a kubeconfig file (e.g. the garden's for the admission webhook), as kubectl would. */
export function loadKubeConfigFile(file: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(file);
  return kubeConfig;
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

/**
 * Creates a client-node API client whose every request is reported to `observer` (verb, HTTP
 * code, or `error` when no response came). Same as `kubeConfig.makeApiClient` otherwise.
 */
export function makeApiClient<T>(
  kubeConfig: KubeConfig,
  apiClientType: new (config: Configuration) => T,
  observer?: KubeRequestObserver,
): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const fetchLibrary = new IsomorphicFetchHttpLibrary();
  const httpApi: HttpLibrary = observer
    ? {
        send: (request: RequestContext) => {
          const verb = verbOf(request.getHttpMethod(), request.getUrl());
          const response = fetchLibrary
            .send(request)
            .toPromise()
            .then(
              (result) => {
                observer(verb, String(result.httpStatusCode));
                return result;
              },
              (err: unknown) => {
                observer(verb, 'error');
                throw err;
              },
            );
          return new Observable(response);
        },
      }
    : fetchLibrary;
  return new apiClientType(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      httpApi,
    }),
  );
}

/** Per-call options: an abort signal and/or a Content-Type (patch strategy). */
export function callOptions(options: { signal?: AbortSignal; contentType?: string }): ConfigurationOptions {
  const middleware: ObservableMiddleware[] = [
    {
      pre: (context: RequestContext) => {
        if (options.signal) context.setSignal(options.signal);
        if (options.contentType) context.setHeaderParam('Content-Type', options.contentType);
        return new Observable(Promise.resolve(context));
      },
      post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
    },
  ];
  return { middleware, middlewareMergeStrategy: 'append' };
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

/** A KubeConfig of one cluster; `name` names its cluster, user and context (client-node caches by user). */
export function buildKubeConfig(name: string, credentials: ClusterCredentials): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
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
  });
  return kubeConfig;
}
