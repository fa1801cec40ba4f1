// Speed and memory figures: pure config evaluation and install rendering, and N shoots
// bootstrapped at once by the real controller against real seed and shoot API servers (the bench
// plays gardenlet, the kubelet and Flux). Prints figures; asserts nothing.
//   npm run bench [-- --shoots 20]
import { parseArgs } from 'node:util';
import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { evaluateFluxConfig } from '../src/api/evaluate.js';
import { createShootFluxActuator } from '../src/cli/commands/run.js';
import { Manager } from '../src/controller/manager.js';
import { FluxBundleLoader } from '../src/flux/bundle-loader.js';
import { buildFluxInstallOptions } from '../src/flux/install/options.js';
import { renderInstallManifests } from '../src/flux/install/render.js';
import { evaluateExtensionReadiness } from '../src/gardener/status.js';
import type { Extension } from '../src/gardener/types.js';
import { discardLogger } from '../src/log/logger.js';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.js';
import { startKubelet } from '../test/harness/kubelet.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootAccessKubeconfig,
  buildShootObject,
  makeFluxManifestsBase,
} from '../test/harness/gardener-objects.js';

const { values } = parseArgs({ options: { shoots: { type: 'string', default: '20' } } });
const shootCount = Number(values.shoots);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const print = (line: string) => process.stdout.write(`${line}\n`);

function timeLoop(iterations: number, body: () => void): { perOpUs: number; opsPerSecond: number } {
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) body();
  const ns = Number(process.hrtime.bigint() - start);
  return { perOpUs: ns / iterations / 1000, opsPerSecond: (iterations * 1e9) / ns };
}

const providerConfig = (fluxNamespace: string) => ({
  apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
  kind: 'FluxConfig',
  flux: { namespace: fluxNamespace },
  source: {
    template: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      spec: { url: 'https://git.example.com/org/fleet.git', ref: { branch: 'main' } },
    },
    secretResourceName: 'git',
  },
  kustomization: { template: { spec: { path: './clusters/shoot' } } },
});
const shootResources = [{ name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } }];

async function pureFigures(bundleBase: string): Promise<void> {
  print('## pure code');
  const evaluation = timeLoop(20_000, () => {
    evaluateFluxConfig(providerConfig('flux-system'), { shootResources });
  });
  print(
    `evaluateFluxConfig (decode+default+validate): ${evaluation.perOpUs.toFixed(1)} µs/op, ${evaluation.opsPerSecond.toFixed(0)} ops/s`,
  );
  const bundle = await new FluxBundleLoader({ bases: [bundleBase] }).load('v2.9.2');
  const options = buildFluxInstallOptions({});
  const render = timeLoop(200, () => {
    renderInstallManifests(bundle, options);
  });
  print(
    `renderInstallManifests (v2.9.2, 4 components, 32 objects): ${(render.perOpUs / 1000).toFixed(2)} ms/op`,
  );
}

/** Plays Flux: marks every GitRepository and Kustomization Ready for its generation. */
function startFluxStandIn(shoot: KubeConfig): () => void {
  const custom = shoot.makeApiClient(CustomObjectsApi);
  let stopped = false;
  const kinds = [
    { group: 'source.toolkit.fluxcd.io', plural: 'gitrepositories' },
    { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' },
  ];
  const loop = async () => {
    while (!stopped) {
      for (const kind of kinds) {
        const list = (await custom.listClusterCustomObject({ ...kind, version: 'v1' })) as {
          items: {
            metadata: { name: string; namespace: string; generation: number };
            status?: { observedGeneration?: number };
          }[];
        };
        for (const item of list.items) {
          if (item.status?.observedGeneration === item.metadata.generation) continue;
          const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          await custom.patchNamespacedCustomObjectStatus(
            {
              ...kind,
              version: 'v1',
              namespace: item.metadata.namespace,
              name: item.metadata.name,
              body: {
                status: {
                  observedGeneration: item.metadata.generation,
                  conditions: [
                    {
                      type: 'Ready',
                      status: 'True',
                      reason: 'Succeeded',
                      message: 'ok',
                      lastTransitionTime: now,
                    },
                  ],
                },
              },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}

async function controllerFigures(bundleBase: string): Promise<void> {
  print(`## controller: ${shootCount} shoots bootstrapped at once (real seed and shoot API servers)`);
  const planes: ControlPlane[] = [];
  try {
    const [seed, shoot] = await Promise.all([
      startControlPlane({ name: 'bench-seed', crds: ['gardener'] }),
      startControlPlane({ name: 'bench-shoot', crds: ['flux'] }),
    ]);
    planes.push(seed, shoot);
    const accessKubeconfig = Buffer.from(await buildShootAccessKubeconfig(shoot)).toString('base64');
    const kubelet = await startKubelet(shoot.kubeConfig);
    const stopFlux = startFluxStandIn(shoot.kubeConfig);
    const heapBefore = process.memoryUsage();
    const manager = new Manager({
      kubeConfig: seed.kubeConfig,
      createActuator: (dependencies) =>
        createShootFluxActuator(
          {
            gardenClusterIdentity: 'bench',
            fluxManifestsBases: [bundleBase],
            shootClientMode: 'internal',
            reconcileTimeoutMs: 180_000,
          },
          dependencies,
        ),
      logger: discardLogger,
      extensionClasses: [],
      ignoreOperationAnnotation: false,
      maxConcurrentReconciles: 5,
      reconcileTimeoutMs: 180_000,
      metricsBindAddress: '0',
      healthBindAddress: '0',
      defaultMetrics: false,
    });
    await manager.start();
    const core = seed.kubeConfig.makeApiClient(CoreV1Api);
    const custom = seed.kubeConfig.makeApiClient(CustomObjectsApi);
    const created = new Map<string, number>();
    const started = Date.now();
    for (let i = 0; i < shootCount; i++) {
      const namespace = `shoot--bench--s${i}`;
      await core.createNamespace({
        body: { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
      });
      await custom.createClusterCustomObject({
        group: 'extensions.gardener.cloud',
        version: 'v1alpha1',
        plural: 'clusters',
        body: buildClusterObject(
          namespace,
          buildShootObject(namespace, { name: `s${i}`, resources: shootResources }),
        ),
      });
      for (const [name, data] of [
        ['gardener', { kubeconfig: accessKubeconfig }],
        ['ref-git-auth', { password: Buffer.from('pw').toString('base64') }],
      ] as const) {
        await core.createNamespacedSecret({ namespace, body: { metadata: { name }, data } });
      }
      await custom.createNamespacedCustomObject({
        group: 'extensions.gardener.cloud',
        version: 'v1alpha1',
        namespace,
        plural: 'extensions',
        body: buildExtensionObject({ providerConfig: providerConfig(`flux-bench-${i}`) }),
      });
      created.set(namespace, Date.now());
    }
    const durations = new Map<string, number>();
    let peakRss = 0;
    while (durations.size < shootCount && Date.now() - started < 600_000) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      for (const namespace of created.keys()) {
        if (durations.has(namespace)) continue;
        const extension = (await custom.getNamespacedCustomObject({
          group: 'extensions.gardener.cloud',
          version: 'v1alpha1',
          namespace,
          plural: 'extensions',
          name: 'shoot-flux',
        })) as Extension;
        if (evaluateExtensionReadiness(extension) === undefined) {
          durations.set(namespace, Date.now() - (created.get(namespace) ?? started));
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const total = Date.now() - started;
    const sorted = [...durations.values()].sort((a, b) => a - b);
    const quantile = (q: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    const requests = (
      await manager.metrics.registry.getSingleMetricAsString('rest_client_requests_total').catch(() => '')
    )
      .split('\n')
      .filter((l) => !l.startsWith('#') && l.trim() !== '')
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    print(`bootstrapped: ${durations.size}/${shootCount} in ${(total / 1000).toFixed(1)} s`);
    print(
      `per shoot (Extension created → gardenlet-ready): p50 ${(quantile(0.5) / 1000).toFixed(2)} s, p95 ${(quantile(0.95) / 1000).toFixed(2)} s, max ${((sorted.at(-1) ?? 0) / 1000).toFixed(2)} s`,
    );
    print(
      `Kubernetes requests by the controller: ${requests} (${(requests / shootCount).toFixed(0)} per shoot)`,
    );
    print(
      `bench process (controller, kubelet and Flux stand-ins): RSS peak ${mib(peakRss)}, heap used ${mib(heapBefore.heapUsed)} → ${mib(process.memoryUsage().heapUsed)}`,
    );
    await manager.stop();
    stopFlux();
    await kubelet.stop();
  } finally {
    await Promise.all(planes.map((p) => p.stop()));
  }
}

const bundleBase = await makeFluxManifestsBase();
await pureFigures(bundleBase);
await controllerFigures(bundleBase);
process.exit(0);
