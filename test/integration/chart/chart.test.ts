import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeNamespace } from '../../harness/namespace-removal.js';
import { clusterKubeConfig } from '../support/clusters.js';
import { buildProgram } from '../../../src/cli/program.js';
import {
  applyDryRun,
  lintChart,
  prepareDryRunNamespace,
  onlyObject,
  renderChart,
  type RenderedObject,
  landscapeFluxValues,
} from './helm.js';

/** The flags of `run`; each must have a chart value. */
const runFlags = [
  '--kubeconfig',
  '--leader-election',
  '--leader-election-id',
  '--leader-election-namespace',
  '--max-concurrent-reconciles',
  '--ignore-operation-annotation',
  '--extension-classes',
  '--garden-cluster-identity',
  '--heartbeat-namespace',
  '--heartbeat-renew-interval-seconds',
  '--metrics-bind-address',
  '--health-bind-address',
  '--log-level',
  '--log-format',
  '--flux-manifests-base',
  '--flux-manifests-checksum',
  '--reconcile-timeout',
  '--resync-period',
  '--shoot-request-timeout',
  '--shoot-connect-timeout',
  '--kube-api-qps',
  '--kube-api-burst',
  '--graceful-shutdown-timeout',
  '--gardener-version',
  '--disable-controllers',
  '--health-check-sync-period',
  '--health-check-heartbeat-period',
  '--health-check-watch',
  '--default-flux-version',
  '--default-flux-registry',
  '--default-flux-components',
  '--default-flux-components-extra',
  '--default-flux-image-pull-secret',
  '--enforce-flux-registry',
  '--allowed-flux-versions',
  '--max-concurrent-flux-upgrades',
];

/** Gardener's standard flags that run accepts for charts and gardenlet, but this chart never sets. */
const gardenerOnlyFlags = [
  '--master',
  '--controllers',
  '--self-hosted-shoot-cluster',
  '--leader-election-resource-lock',
  '--healthcheck-max-concurrent-reconciles',
];

/** Values that set every optional knob, so every flag and branch renders. */
const everythingSet = {
  image: { repository: 'registry.example/shoot-flux', tag: 'v9.9.9', pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'pull' }],
  replicaCount: 3,
  leaderElection: { enabled: true, id: 'custom-leader', namespace: 'elsewhere' },
  controllers: {
    extension: {
      concurrentSyncs: 7,
      reconcileTimeout: '2m30s',
      shootRequestTimeout: '20s',
      shootConnectTimeout: '5s',
    },
    heartbeat: { renewIntervalSeconds: 15 },
    healthcheck: { syncPeriod: '1m', heartbeatPeriod: '10m', watch: true },
    ignoreOperationAnnotation: true,
    gracefulShutdownTimeoutSeconds: 25,
  },
  extensionClasses: ['shoot', 'seed'],
  disableControllers: ['heartbeat'],
  flux: {
    defaultVersion: 'v2.9.2',
    ...landscapeFluxValues,
    maxConcurrentUpgrades: 4,
  },
  fluxManifestsBase: ['/flux-manifests'],
  fluxManifestsChecksums: [`v2.9.2=${'ab'.repeat(32)}`],
  kubeconfigSecretName: 'seed-kubeconfig',
  shootClient: 'external',
  logLevel: 'debug',
  logFormat: 'text',
  metricsPort: 9090,
  healthPort: 9091,
  metrics: { enableScraping: false },
  allowPublicNetworks: false,
  extraArgs: ['--log-level=error'],
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
  podLabels: { team: 'gitops' },
  podAnnotations: { note: 'yes' },
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
  imageVectorOverwrite: imageVectorOverwrite(),
  gardener: { version: 'v1.147.1', garden: { clusterIdentity: 'landscape-dev' } },
};

/** An image vector overwrite as a landscape sets it on every extension's ControllerDeployment. */
function imageVectorOverwrite(): string {
  return 'images:\n  - name: flux-source-controller\n    repository: mirror.example/fluxcd/source-controller\n';
}

/**
 * What gardenlet adds to an extension chart's values (its ControllerInstallation reconciler) and
 * gardener-operator for a runtime-cluster deployment: all under `gardener`, whose keys vary by
 * Gardener release, so the schema leaves `gardener` open.
 */
const gardenletInjected = {
  gardener: {
    version: 'v1.149.3',
    garden: { clusterIdentity: 'landscape-dev', genericKubeconfigSecretName: 'generic-token-kubeconfig' },
    gardenlet: { featureGates: { DefaultSeccompProfile: true } },
    seed: {
      name: 'aws-eu1',
      clusterIdentity: 'seed-aws-eu1',
      provider: 'aws',
      region: 'eu-west-1',
      labels: {},
      annotations: {},
      protected: false,
      visible: true,
      spec: { provider: { type: 'aws' } },
    },
    runtimeCluster: { enabled: 'true', priorityClassName: 'gardener-garden-system-200' },
  },
};

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  livenessProbe: unknown;
  readinessProbe: unknown;
  securityContext: unknown;
  ports: unknown[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  image: string;
}

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    serviceAccountName: string;
    terminationGracePeriodSeconds?: number;
    priorityClassName?: string;
    securityContext: unknown;
    containers: Container[];
    volumes: { name: string }[];
  };
}

function podTemplate(objects: RenderedObject[]): PodTemplate {
  return (onlyObject(objects, 'Deployment').spec as { template: PodTemplate }).template;
}

function container(objects: RenderedObject[]): Container {
  const [first] = podTemplate(objects).spec.containers;
  if (!first) throw new Error('the Deployment has no container');
  return first;
}

function flagName(arg: string): string {
  return arg.split('=')[0] ?? arg;
}

const releaseNamespace = 'extension-shoot-flux-test';

describe('Helm chart', () => {
  it('passes helm lint --strict with default and with every value set', async () => {
    await expect(lintChart()).resolves.toContain('0 chart(s) failed');
    await expect(lintChart(everythingSet)).resolves.toContain('0 chart(s) failed');
  });

  it('rejects invalid values through its schema, naming the value', async () => {
    await expect(renderChart(releaseNamespace, { logFormat: 'xml' })).rejects.toThrow(/\/logFormat/);
    await expect(
      renderChart(releaseNamespace, {
        controllers: { extension: { concurrentSyncs: 0, reconcileTimeout: '3m' } },
      }),
    ).rejects.toThrow(/\/controllers\/extension\/concurrentSyncs/);
  });

  it('rejects unknown keys, where Gardener injects nothing, naming the key', async () => {
    // `replicas` for `replicaCount`: a typo that would otherwise silently keep the default.
    await expect(renderChart(releaseNamespace, { replicas: 3 })).rejects.toThrow(
      /additional properties 'replicas' not allowed|additionalProperties 'replicas' not allowed/,
    );
    for (const [values, key] of [
      [{ image: { repo: 'x' } }, 'repo'],
      [{ leaderElection: { enabled: true, id: 'x', lease: 'y' } }, 'lease'],
      [{ controllers: { extension: { concurrentSyncs: 5, reconcileTimeout: '3m', workers: 2 } } }, 'workers'],
      [{ controllers: { healthcheck: { syncperiod: '1m' } } }, 'syncperiod'],
      [{ vpa: { updatePolicy: { mode: 'Off' } } }, 'mode'],
      [{ metrics: { enabled: false } }, 'enabled'],
      [{ monitoring: { enable: true } }, 'enable'],
      [{ serviceAccount: { automount: true } }, 'automount'],
    ] as const) {
      await expect(renderChart(releaseNamespace, values), key).rejects.toThrow(
        new RegExp(`'${key}' not allowed`),
      );
    }
  });

  it("accepts what gardenlet and gardener-operator inject, and Gardener's imageVectorOverwrite", async () => {
    await expect(lintChart({ ...gardenletInjected, usablePorts: [10250, 10251] })).resolves.toContain(
      '0 chart(s) failed',
    );
    const objects = await renderChart(releaseNamespace, { imageVectorOverwrite: imageVectorOverwrite() });
    const configMap = onlyObject(objects, 'ConfigMap', 'gardener-extension-shoot-flux-imagevector-overwrite');
    expect(configMap.data).toEqual({ 'images_overwrite.yaml': imageVectorOverwrite() });
    const main = container(objects);
    expect(main.env).toContainEqual({
      name: 'IMAGEVECTOR_OVERWRITE',
      value: '/charts_overwrite/images_overwrite.yaml',
    });
    expect(main.volumeMounts).toContainEqual({
      name: 'imagevector-overwrite',
      mountPath: '/charts_overwrite',
      readOnly: true,
    });
    expect(podTemplate(objects).spec.volumes).toContainEqual({
      name: 'imagevector-overwrite',
      configMap: { name: 'gardener-extension-shoot-flux-imagevector-overwrite' },
    });
    // A changed overwrite rolls the pods (the controller reads it at start).
    const changed = await renderChart(releaseNamespace, {
      imageVectorOverwrite: `${imageVectorOverwrite()}# v2\n`,
    });
    const annotation = 'checksum/configmap-imagevector-overwrite';
    expect(podTemplate(changed).metadata.annotations?.[annotation]).toMatch(/^[0-9a-f]{64}$/);
    expect(podTemplate(changed).metadata.annotations?.[annotation]).not.toBe(
      podTemplate(objects).metadata.annotations?.[annotation],
    );
    expect((await renderChart(releaseNamespace)).map((o) => o.kind)).not.toContain('ConfigMap');
  });

  it('gives two installations (two extension classes) disjoint cluster-scoped objects', async () => {
    const installations = await Promise.all([
      renderChart('extension-shoot-flux-a1b2c', { extensionClasses: ['shoot'] }),
      renderChart('extension-shoot-flux-seed-d3e4f', { extensionClasses: ['seed'] }),
    ]);
    const clusterScoped = installations.map((objects) =>
      objects.filter((o) => o.kind.startsWith('Cluster')).map((o) => `${o.kind}/${o.metadata.name}`),
    );
    expect(clusterScoped[0]).toEqual([
      'ClusterRole/extensions.gardener.cloud:shoot-flux:extension-shoot-flux-a1b2c',
      'ClusterRoleBinding/extensions.gardener.cloud:shoot-flux:extension-shoot-flux-a1b2c',
    ]);
    expect(clusterScoped[1]?.filter((name) => clusterScoped[0]?.includes(name))).toEqual([]);
    // Each binding grants its own installation's ServiceAccount its own ClusterRole.
    for (const [i, namespace] of [
      'extension-shoot-flux-a1b2c',
      'extension-shoot-flux-seed-d3e4f',
    ].entries()) {
      const binding = onlyObject(installations[i] ?? [], 'ClusterRoleBinding');
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: `extensions.gardener.cloud:shoot-flux:${namespace}`,
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: 'gardener-extension-shoot-flux', namespace },
      ]);
    }
  });

  it('renders the objects of an extension deployment', async () => {
    const objects = await renderChart(releaseNamespace);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      `ClusterRole/extensions.gardener.cloud:shoot-flux:${releaseNamespace}`,
      `ClusterRoleBinding/extensions.gardener.cloud:shoot-flux:${releaseNamespace}`,
      'Deployment/gardener-extension-shoot-flux',
      'PodDisruptionBudget/gardener-extension-shoot-flux',
      'Role/gardener-extension-shoot-flux',
      'RoleBinding/gardener-extension-shoot-flux',
      'Service/gardener-extension-shoot-flux',
      'ServiceAccount/gardener-extension-shoot-flux',
      'VerticalPodAutoscaler/gardener-extension-shoot-flux',
    ]);
    for (const object of objects) {
      if (!object.kind.startsWith('Cluster'))
        expect(object.metadata.namespace, object.kind).toBe(releaseNamespace);
    }
  });

  it('grants exactly the least-privilege rules the controller needs', async () => {
    const objects = await renderChart(releaseNamespace);
    expect(onlyObject(objects, 'ClusterRole').rules).toEqual([
      {
        apiGroups: ['extensions.gardener.cloud'],
        resources: ['extensions'],
        verbs: ['get', 'list', 'watch', 'patch'],
      },
      { apiGroups: ['extensions.gardener.cloud'], resources: ['extensions/status'], verbs: ['get', 'patch'] },
      { apiGroups: ['extensions.gardener.cloud'], resources: ['clusters'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets', 'namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    expect(onlyObject(objects, 'Role').rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['shoot-flux-leader-election', 'gardener-extension-heartbeat'],
        verbs: ['get', 'watch', 'update', 'patch'],
      },
    ]);
    const subject = {
      kind: 'ServiceAccount',
      name: 'gardener-extension-shoot-flux',
      namespace: releaseNamespace,
    };
    expect(onlyObject(objects, 'ClusterRoleBinding').subjects).toEqual([subject]);
    expect(onlyObject(objects, 'RoleBinding').subjects).toEqual([subject]);
    // A custom leader election ID is the lease the Role names.
    const custom = await renderChart(releaseNamespace, everythingSet);
    const [, named] = onlyObject(custom, 'Role').rules as { resourceNames?: string[] }[];
    expect(named?.resourceNames).toEqual(['custom-leader', 'gardener-extension-heartbeat']);
  });

  it('runs the controller with the default flags, probes, env and a locked-down security context', async () => {
    const objects = await renderChart(releaseNamespace);
    const deployment = onlyObject(objects, 'Deployment');
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    expect(deployment.metadata.labels?.['high-availability-config.resources.gardener.cloud/type']).toBe(
      'controller',
    );
    const main = container(objects);
    expect(main.image).toBe('gardener-extension-shoot-flux:0.1.0');
    expect(main.args).toEqual([
      'run',
      '--leader-election=true',
      '--leader-election-id=shoot-flux-leader-election',
      '--max-concurrent-reconciles=5',
      '--reconcile-timeout=3m',
      '--resync-period=60m',
      '--shoot-request-timeout=30s',
      '--shoot-connect-timeout=10s',
      '--kube-api-qps=100',
      '--kube-api-burst=130',
      '--graceful-shutdown-timeout=10s',
      '--ignore-operation-annotation=false',
      '--health-check-sync-period=30s',
      '--health-check-heartbeat-period=5m',
      '--health-check-watch=false',
      `--heartbeat-namespace=${releaseNamespace}`,
      '--heartbeat-renew-interval-seconds=30',
      '--garden-cluster-identity=garden',
      '--flux-manifests-base=/flux-manifests,https://github.com/fluxcd/flux2/releases/download',
      '--max-concurrent-flux-upgrades=10',
      '--metrics-bind-address=:8080',
      '--health-bind-address=:8081',
      '--log-level=info',
      '--log-format=json',
    ]);
    expect(main.env).toEqual([
      { name: 'LEADER_ELECTION_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(main.livenessProbe).toMatchObject({
      httpGet: { path: '/healthz', port: 'health', scheme: 'HTTP' },
    });
    expect(main.readinessProbe).toMatchObject({
      httpGet: { path: '/readyz', port: 'health', scheme: 'HTTP' },
    });
    expect(main.ports).toEqual([
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8081, protocol: 'TCP' },
    ]);
    expect(main.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const pod = podTemplate(objects);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    expect(pod.spec.priorityClassName).toBe('gardener-system-900');
    expect(pod.spec.serviceAccountName).toBe('gardener-extension-shoot-flux');
    // The controller's 10 s grace period plus 20 s to record status and release the Lease.
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
    expect(main.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.metadata.labels).toMatchObject({
      'networking.gardener.cloud/to-runtime-apiserver': 'allowed',
      'networking.gardener.cloud/to-dns': 'allowed',
      'networking.resources.gardener.cloud/to-all-shoots-kube-apiserver-tcp-443': 'allowed',
      'networking.gardener.cloud/to-public-networks': 'allowed',
    });
    expect(pod.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
    });
    const service = onlyObject(objects, 'Service');
    expect(service.spec).toMatchObject({ ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }] });
    expect(onlyObject(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  it('has a value for every flag of run, and uses the values Gardener injects', async () => {
    const objects = await renderChart(releaseNamespace, everythingSet);
    const main = container(objects);
    const rendered = new Set(main.args.map(flagName));
    expect(runFlags.filter((flag) => !rendered.has(flag))).toEqual([]);
    expect(main.args).toEqual(
      expect.arrayContaining([
        '--leader-election-id=custom-leader',
        '--leader-election-namespace=elsewhere',
        '--max-concurrent-reconciles=7',
        '--max-concurrent-flux-upgrades=4',
        '--reconcile-timeout=2m30s',
        '--shoot-request-timeout=20s',
        '--shoot-connect-timeout=5s',
        '--graceful-shutdown-timeout=25s',
        '--ignore-operation-annotation=true',
        '--extension-classes=shoot,seed',
        '--heartbeat-renew-interval-seconds=15',
        '--garden-cluster-identity=landscape-dev',
        '--flux-manifests-base=/flux-manifests',
        '--kubeconfig=/etc/gardener-extension-shoot-flux/kubeconfig/kubeconfig',
        '--metrics-bind-address=:9090',
        '--health-bind-address=:9091',
        '--log-level=debug',
        '--log-format=text',
      ]),
    );
    expect(main.args.at(-1)).toBe('--log-level=error'); // extraArgs come last and win
    expect(podTemplate(objects).spec.terminationGracePeriodSeconds).toBe(45);
    expect(main.image).toBe('registry.example/shoot-flux:v9.9.9');
    expect(main.env).toEqual(
      expect.arrayContaining([
        { name: 'GARDENER_SHOOT_CLIENT', value: 'external' },
        { name: 'NODE_OPTIONS', value: '--max-old-space-size=384' },
      ]),
    );
    expect(main.volumeMounts).toContainEqual({
      name: 'kubeconfig',
      mountPath: '/etc/gardener-extension-shoot-flux/kubeconfig',
      readOnly: true,
    });
    const pod = podTemplate(objects);
    expect(pod.metadata.labels['networking.gardener.cloud/to-public-networks']).toBeUndefined();
    expect(pod.metadata.labels.team).toBe('gitops');
    expect(Object.keys(pod.metadata.annotations ?? {}).sort()).toEqual([
      'checksum/configmap-imagevector-overwrite',
      'note',
    ]);
    expect(pod.metadata.annotations?.note).toBe('yes');
    expect(onlyObject(objects, 'Service').metadata).not.toHaveProperty('annotations');
  });

  it.skipIf(!buildProgram().commands.some((c) => c.name() === 'run'))(
    'knows exactly the flags the run command has',
    () => {
      const run = buildProgram().commands.find((c) => c.name() === 'run');
      // Hidden options are aliases kept for Gardener compatibility; the chart passes the documented names.
      const flags = (run?.options ?? [])
        .filter((o) => !o.hidden)
        .map((o) => o.long)
        .filter((f): f is string => f !== undefined);
      expect(flags.filter((f) => f !== '--help').sort()).toEqual([...runFlags, ...gardenerOnlyFlags].sort());
    },
  );

  it('renders a PodDisruptionBudget only for more than one replica, and the VPA only when enabled', async () => {
    const single = await renderChart(releaseNamespace, { replicaCount: 1, vpa: { enabled: false } });
    expect(single.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
    expect(single.map((o) => o.kind)).not.toContain('VerticalPodAutoscaler');
    const defaults = await renderChart(releaseNamespace);
    expect(onlyObject(defaults, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(onlyObject(defaults, 'VerticalPodAutoscaler').spec).toMatchObject({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'gardener-extension-shoot-flux' },
      updatePolicy: { updateMode: 'Recreate' },
    });
  });

  describe('against the seed API server (server-side apply, dry run, strict field validation)', () => {
    const kubeConfig = clusterKubeConfig('seed');
    let namespace: string;

    beforeAll(async () => {
      namespace = await prepareDryRunNamespace(kubeConfig, 'extension-shoot-flux');
    });
    afterAll(async () => {
      await removeNamespace(kubeConfig, namespace);
    });

    it.each([
      ['default values', {}],
      ['every value set', everythingSet],
    ])('accepts every rendered object with %s, unchanged', async (_, values) => {
      const objects = await renderChart(namespace, values);
      for (const object of objects) {
        const response = await applyDryRun(kubeConfig, object);
        expect(response.status, `${object.kind}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
        // Nothing the chart renders is pruned or defaulted away.
        expect(response.body, object.kind).toMatchObject({
          kind: object.kind,
          metadata: { name: object.metadata.name, labels: object.metadata.labels ?? {} },
          ...('spec' in object ? { spec: object.spec } : {}),
          ...('rules' in object ? { rules: object.rules } : {}),
        });
      }
    });

    it('is refused by the API server when a rendered field is wrong', async () => {
      const objects = await renderChart(namespace);
      const deployment = onlyObject(objects, 'Deployment');
      const broken = { ...deployment, spec: { ...(deployment.spec as object), replicass: 2 } };
      const response = await applyDryRun(kubeConfig, broken);
      // Server-side apply reports a field the schema does not declare as 500 (a typed-patch error).
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(response.body)).toContain('.spec.replicass: field not declared in schema');
    });
  });
});
