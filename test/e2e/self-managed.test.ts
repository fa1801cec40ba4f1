import { AppsV1Api, CustomObjectsApi, type V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../src/api/evaluate.js';
import { buildFluxInstallOptions } from '../../src/flux/install/options.js';
import { renderInstallManifests } from '../../src/flux/install/render.js';
import { renderManifestsYaml } from '../../src/flux/install/yaml.js';
import { fieldManager } from '../../src/kube/apply.js';
import { readBundleDir } from '../harness/flux-bundles.js';
import type { Gardenlet } from '../harness/gardenlet.js';
import { findFluxBundleDir } from '../harness/testdata.js';
import { buildSeedNamespace, expectBootstrapped, reconcileAndWait, useLandscape } from './support/cases.js';

// Flux managing itself the way `flux bootstrap` sets it up: the repository holds Flux's own
// installation (gotk-components.yaml, with a patch the shoot owner added) and the GitRepository
// and Kustomization that apply it (gotk-sync.yaml), and the Kustomization the extension
// bootstraps points at that path. Real kustomize-controller then server-side applies what the
// extension installed, taking over fields. The extension must see that and leave those objects
// alone instead of re-applying them in a loop against Flux. One landscape for the file; the test
// plays only gardenlet and the kubelet.

const clusterPath = './clusters/shoot';

/** A FluxConfig reading the unauthenticated repository `url` in `syncMode`, applying `clusterPath`. */
function buildSelfManagedConfig(fluxNamespace: string, url: string, syncMode: 'Full' | 'ManifestsOnly') {
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    syncMode,
    flux: { namespace: fluxNamespace },
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url, ref: { branch: 'main' }, interval: '1m', timeout: '20s' },
      },
    },
    // No postBuild substitution: Flux's own manifests are applied as they are, as in `flux bootstrap`.
    kustomization: { template: { spec: { path: clusterPath, interval: '1m', prune: true } } },
  };
}

/**
 * gotk-sync.yaml as `flux bootstrap` writes it: the GitRepository and Kustomization `flux-system`
 * with its intervals (`1m0s`, `10m0s`), which differ from what the extension's config says.
 */
function buildSyncManifests(fluxNamespace: string, url: string): string {
  return [
    'apiVersion: source.toolkit.fluxcd.io/v1',
    'kind: GitRepository',
    'metadata:',
    '  name: flux-system',
    `  namespace: ${fluxNamespace}`,
    'spec:',
    '  interval: 1m0s',
    '  ref:',
    '    branch: main',
    `  url: ${url}`,
    '---',
    'apiVersion: kustomize.toolkit.fluxcd.io/v1',
    'kind: Kustomization',
    'metadata:',
    '  name: flux-system',
    `  namespace: ${fluxNamespace}`,
    'spec:',
    '  interval: 10m0s',
    `  path: ${clusterPath}`,
    '  prune: true',
    '  sourceRef:',
    '    kind: GitRepository',
    '    name: flux-system',
    '',
  ].join('\n');
}

/**
 * The installation the extension applies for `config`, rendered from the same bundle and options
 * as gotk-components.yaml, and how many objects it holds.
 */
async function renderInstallation(config: unknown): Promise<{ yaml: string; objects: number }> {
  const evaluated = evaluateFluxConfig(config);
  if (!evaluated.config) throw new Error(`invalid test config: ${JSON.stringify(evaluated.errors)}`);
  const { flux } = evaluated.config;
  const dir = findFluxBundleDir(flux.version);
  const bundle = { version: flux.version, files: await readBundleDir(dir), source: dir };
  const options = buildFluxInstallOptions(flux);
  const manifests = renderInstallManifests(bundle, options);
  const yaml = renderManifestsYaml(manifests, { version: flux.version, components: options.components });
  return { yaml, objects: manifests.length };
}

/**
 * The repository's `flux-system` directory: the installation, the sync objects, and the
 * kustomization.yaml with the owner's patch raising source-controller's memory limit, a change
 * the Flux docs show for bootstrapped clusters.
 */
function buildFluxSystemFiles(sync: string, installation?: string): Record<string, string> {
  const files: Record<string, string> = { [`${clusterPath}/flux-system/gotk-sync.yaml`]: sync };
  const kustomization = [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    ...(installation === undefined ? [] : ['  - gotk-components.yaml']),
    '  - gotk-sync.yaml',
  ];
  if (installation !== undefined) {
    files[`${clusterPath}/flux-system/gotk-components.yaml`] = installation;
    kustomization.push(
      'patches:',
      '  - target:',
      '      kind: Deployment',
      '      name: source-controller',
      '    patch: |',
      '      - op: replace',
      '        path: /spec/template/spec/containers/0/resources/limits/memory',
      '        value: 2Gi',
    );
  }
  files[`${clusterPath}/flux-system/kustomization.yaml`] = `${kustomization.join('\n')}\n`;
  return files;
}

/** One `metadata.managedFields` entry, as far as the assertions read it. */
interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string | Date;
  fieldsV1?: Record<string, unknown>;
}

/** Whether the entry owns `path` (fieldsV1 keys such as `f:spec`, `k:{"name":"manager"}`). */
function ownsField(entry: ManagedFieldsEntry, path: readonly string[]): boolean {
  let node: unknown = entry.fieldsV1;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** source-controller's memory limit in fieldsV1 form. */
const memoryLimitField = [
  'f:spec',
  'f:template',
  'f:spec',
  'f:containers',
  'k:{"name":"manager"}',
  'f:resources',
  'f:limits',
  'f:memory',
];

/** What the assertions read of the source-controller Deployment. */
interface DeploymentView {
  generation?: number;
  memoryLimit?: string;
  /** The managers (`manager/operation`) owning the memory limit. */
  memoryOwners: string[];
  /** When our field manager last applied, as the server recorded it. */
  ourApplyTime?: string;
}

function viewDeployment(deployment: V1Deployment): DeploymentView {
  const entries = (deployment.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const ours = entries.find((e) => e.manager === fieldManager && e.operation === 'Apply');
  const memoryLimit = deployment.spec?.template.spec?.containers.find((c) => c.name === 'manager')?.resources
    ?.limits?.memory;
  return {
    ...(deployment.metadata?.generation !== undefined ? { generation: deployment.metadata.generation } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    memoryOwners: entries
      .filter((e) => ownsField(e, memoryLimitField))
      .map((e) => `${e.manager ?? ''}/${e.operation ?? ''}`)
      .sort(),
    ...(ours?.time !== undefined ? { ourApplyTime: new Date(ours.time).toISOString() } : {}),
  };
}

/** Reason-filtered Event count in the seed namespace (an aggregated Event counts `count` times). */
async function countEvents(gardenlet: Gardenlet, reason: string): Promise<number> {
  return (await gardenlet.events())
    .filter((e) => e.reason === reason)
    .reduce((sum, e) => sum + (e.count ?? 1), 0);
}

/** Server-side applies the controller sent so far, from its /metrics (`rest_client_requests_total`). */
async function countApplyRequests(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('rest_client_requests_total{') && line.includes('verb="apply"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('e2e: a self-managed Flux (flux bootstrap pattern) with real kustomize-controller', () => {
  const currentLandscape = useLandscape({ reconcileTimeout: '60s' }, []);

  const custom = () => currentLandscape().shoot.kubeConfig.makeApiClient(CustomObjectsApi);
  const readInterval = async (namespace: string, plural: 'gitrepositories' | 'kustomizations') => {
    const group = plural === 'gitrepositories' ? 'source.toolkit.fluxcd.io' : 'kustomize.toolkit.fluxcd.io';
    const object = (await custom().getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural,
      name: 'flux-system',
    })) as { spec?: { interval?: string } };
    return object.spec?.interval;
  };
  const readSourceController = async (namespace: string) =>
    viewDeployment(
      await currentLandscape()
        .shoot.kubeConfig.makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ namespace, name: 'source-controller' }),
    );

  it('Full: leaves the installation, source and Kustomization that kustomize-controller applies from Git alone, and reports FluxSelfManaged once', async () => {
    const landscape = currentLandscape();
    const fluxNamespace = 'flux-system';
    const url = landscape.git.url('self-managed');
    const config = buildSelfManagedConfig(fluxNamespace, url, 'Full');
    const installation = await renderInstallation(config);
    await landscape.git.createRepository(
      'self-managed',
      buildFluxSystemFiles(buildSyncManifests(fluxNamespace, url), installation.yaml),
    );
    const gardenlet = landscape.gardenlet(buildSeedNamespace('e2e'));
    await gardenlet.createShoot({ name: 'self-managed', projectNamespace: 'garden-e2e' });
    const createdAt = Date.now();
    await gardenlet.createExtension(config);
    await landscape.ensureFluxControllers();
    await expectBootstrapped(gardenlet, createdAt, 'self-managed Flux in Full');

    // Real kustomize-controller applied Flux's installation from Git: the owner's patch is live,
    // and kustomize-controller owns that field now.
    await expect
      .poll(() => readSourceController(fluxNamespace))
      .toMatchObject({ memoryLimit: '2Gi', memoryOwners: ['kustomize-controller/Apply'] });
    await expect.poll(() => readInterval(fluxNamespace, 'gitrepositories')).toBe('1m0s');
    await expect.poll(() => readInterval(fluxNamespace, 'kustomizations')).toBe('10m0s');
    const taken = await readSourceController(fluxNamespace);
    const appliesBefore = await countApplyRequests(landscape.controllerEndpoints.metrics);
    // The bootstrap applied the installation: the counter counts.
    expect(appliesBefore).toBeGreaterThan(0);

    // gardenlet reconciles the shoot again, several times: the extension re-applies nothing.
    for (let round = 0; round < 3; round++) {
      await reconcileAndWait(gardenlet);
      const condition = await gardenlet.condition('FluxBootstrapped');
      expect(condition).toMatchObject({ status: 'True', reason: 'FluxSelfManaged' });
      // Every object: the source and Kustomization, then each installation object (five named).
      expect(condition?.message).toMatch(
        new RegExp(
          `^GitRepository ${fluxNamespace}/flux-system, Kustomization ${fluxNamespace}/flux-system, ` +
            `Namespace ${fluxNamespace}, CustomResourceDefinition .+ and ${installation.objects - 3} more ` +
            'are applied by kustomize-controller \\(Flux manages itself from its repository\\)',
        ),
      );
      expect(await readSourceController(fluxNamespace)).toEqual(taken);
      expect(await readInterval(fluxNamespace, 'gitrepositories')).toBe('1m0s');
      expect(await readInterval(fluxNamespace, 'kustomizations')).toBe('10m0s');
    }
    expect((await gardenlet.extension()).status?.lastOperation).toMatchObject({ state: 'Succeeded' });
    // Not one apply, to the shoot or the seed, in three reconciles.
    expect(await countApplyRequests(landscape.controllerEndpoints.metrics)).toBe(appliesBefore);
    expect(await countEvents(gardenlet, 'FluxSelfManaged')).toBe(1);
    expect(await countEvents(gardenlet, 'FluxInstallationRepaired')).toBe(0);
    expect(await countEvents(gardenlet, 'FluxManifestsApplied')).toBe(0);
  });

  it('ManifestsOnly: leaves the GitRepository and Kustomization that kustomize-controller applies from Git alone', async () => {
    const landscape = currentLandscape();
    const fluxNamespace = 'flux-manifests';
    const url = landscape.git.url('self-managed-sync');
    await landscape.git.createRepository(
      'self-managed-sync',
      buildFluxSystemFiles(buildSyncManifests(fluxNamespace, url)),
    );
    const gardenlet = landscape.gardenlet(buildSeedNamespace('e2e'));
    await gardenlet.createShoot({ name: 'self-managed-sync', projectNamespace: 'garden-e2e' });
    const createdAt = Date.now();
    await gardenlet.createExtension(buildSelfManagedConfig(fluxNamespace, url, 'ManifestsOnly'));
    await landscape.ensureFluxControllers();
    await expectBootstrapped(gardenlet, createdAt, 'self-managed source in ManifestsOnly');
    await expect.poll(() => readInterval(fluxNamespace, 'gitrepositories')).toBe('1m0s');
    await expect.poll(() => readInterval(fluxNamespace, 'kustomizations')).toBe('10m0s');

    for (let round = 0; round < 2; round++) {
      await reconcileAndWait(gardenlet);
      expect(await gardenlet.condition('FluxBootstrapped')).toMatchObject({
        status: 'True',
        reason: 'FluxSelfManaged',
        message:
          `GitRepository ${fluxNamespace}/flux-system, Kustomization ${fluxNamespace}/flux-system are applied ` +
          'by kustomize-controller (Flux manages itself from its repository); the extension leaves them ' +
          'alone instead of fighting it.',
      });
      expect(await readInterval(fluxNamespace, 'gitrepositories')).toBe('1m0s');
      expect(await readInterval(fluxNamespace, 'kustomizations')).toBe('10m0s');
    }
    expect(await countEvents(gardenlet, 'FluxSelfManaged')).toBe(1);
    expect(await countEvents(gardenlet, 'FluxManifestsApplied')).toBe(0);
  });
});
