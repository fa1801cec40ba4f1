import {
  ApiException,
  AppsV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';

/** The status a Deployment gets once all replicas of its current generation run. */
export function buildAvailableDeploymentStatus(deployment: V1Deployment): Record<string, unknown> {
  const replicas = deployment.spec?.replicas ?? 1;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const name = deployment.metadata?.name ?? '';
  return {
    observedGeneration: deployment.metadata?.generation ?? 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
      {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${name}" has successfully progressed.`,
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ],
  };
}

/** Whether a Deployment's status already says its current generation is fully available. */
export function isDeploymentAvailable(deployment: V1Deployment): boolean {
  const status = deployment.status;
  const replicas = deployment.spec?.replicas ?? 1;
  return (
    status?.observedGeneration === deployment.metadata?.generation &&
    status?.availableReplicas === replicas &&
    status.updatedReplicas === replicas &&
    (status.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True')
  );
}

/**
 * Writes the available status onto one Deployment (status subresource), guarded by its
 * resourceVersion so a spec change in between is never marked with a stale generation.
 * Resolves false when the Deployment changed or vanished meanwhile (the caller sees it again).
 */
async function markDeploymentAvailable(apps: AppsV1Api, deployment: V1Deployment): Promise<boolean> {
  if (isDeploymentAvailable(deployment)) return true;
  const name = deployment.metadata?.name ?? '';
  const namespace = deployment.metadata?.namespace ?? '';
  try {
    await apps.patchNamespacedDeploymentStatus(
      {
        name,
        namespace,
        body: {
          metadata: { resourceVersion: deployment.metadata?.resourceVersion },
          status: buildAvailableDeploymentStatus(deployment),
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return true;
  } catch (err) {
    if (err instanceof ApiException && (err.code === 409 || err.code === 404)) return false;
    throw err;
  }
}

/**
 * Plays the kubelet and deployment controller once: marks every Deployment in `namespace` (all
 * namespaces when undefined) available for its current generation; resolves with their names.
 */
export async function markDeploymentsAvailable(
  kubeConfig: KubeConfig,
  namespace?: string,
): Promise<string[]> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const list = namespace
    ? await apps.listNamespacedDeployment({ namespace })
    : await apps.listDeploymentForAllNamespaces();
  const marked: string[] = [];
  for (const deployment of list.items) {
    // A conflict means the Deployment changed since the list; read it again and mark that.
    let current: V1Deployment | undefined = deployment;
    while (current && !(await markDeploymentAvailable(apps, current))) {
      current = await apps
        .readNamespacedDeployment({
          name: current.metadata?.name ?? '',
          namespace: current.metadata?.namespace ?? '',
        })
        .catch((err: unknown) => {
          if (err instanceof ApiException && err.code === 404) return undefined;
          throw err;
        });
    }
    if (current) marked.push(deployment.metadata?.name ?? '');
  }
  return marked;
}

/**
 * Plays the kubelet's view of one Deployment: writes the status `status` builds from it (a
 * rollout stuck, replicas lost), whatever its generation. For failures the available status of
 * {@link buildAvailableDeploymentStatus} does not describe.
 */
export async function writeDeploymentStatus(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  status: (deployment: V1Deployment) => Record<string, unknown>,
): Promise<void> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const deployment = await apps.readNamespacedDeployment({ name, namespace });
  await apps.patchNamespacedDeploymentStatus(
    { name, namespace, body: { status: status(deployment) } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** A running kubelet stand-in; see {@link startKubelet}. */
export interface Kubelet {
  /** Errors met while marking (the watch carries on); tests assert it stays empty. */
  errors(): readonly Error[];
  /** Stops watching. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Plays the kubelet continuously: marks every Deployment in `namespace` (all when undefined)
 * available, then keeps marking each one whose generation moves, through a watch that is
 * re-established (with a fresh list) whenever the API server ends it, until stop().
 */
export async function startKubelet(kubeConfig: KubeConfig, namespace?: string): Promise<Kubelet> {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const watcher = new Watch(kubeConfig);
  const errors: Error[] = [];
  const path = namespace ? `/apis/apps/v1/namespaces/${namespace}/deployments` : '/apis/apps/v1/deployments';
  let stopped = false;
  let request: AbortController | undefined;
  let restartTimer: NodeJS.Timeout | undefined;

  const onEvent = (phase: string, object: unknown) => {
    if (phase !== 'ADDED' && phase !== 'MODIFIED') return;
    // A conflict means a newer version is on its way through this watch; it gets marked then.
    markDeploymentAvailable(apps, object as V1Deployment).catch((err: unknown) => errors.push(err as Error));
  };
  const connect = async (): Promise<void> => {
    const list = namespace
      ? await apps.listNamespacedDeployment({ namespace })
      : await apps.listDeploymentForAllNamespaces();
    for (const deployment of list.items) onEvent('ADDED', deployment);
    if (stopped) return;
    request = await watcher.watch(
      path,
      { resourceVersion: list.metadata?.resourceVersion },
      onEvent,
      (err) => {
        if (stopped) return;
        if (err && !(err instanceof Error && err.name === 'AbortError')) errors.push(err as Error);
        // Watches end (timeouts, 410 Gone): start over from a fresh list, briefly delayed.
        reconnect();
      },
    );
  };
  // Keeps trying (every 200 ms) while the API server is away, until stop().
  const reconnect = () => {
    if (stopped) return;
    restartTimer = setTimeout(() => {
      connect().catch((err: unknown) => {
        errors.push(err as Error);
        reconnect();
      });
    }, 200);
  };
  await connect();

  return {
    errors: () => errors,
    stop: () => {
      stopped = true;
      clearTimeout(restartTimer);
      request?.abort();
      return Promise.resolve();
    },
  };
}
