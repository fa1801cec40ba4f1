import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { defaultFluxComponents, defaultFluxVersion } from '../../src/api/constants.js';
import { buildAvailableDeploymentStatus } from '../../test/harness/kubelet.js';
import { findFluxBundleDir } from '../../test/harness/testdata.js';
import type { FleetShoot } from './fleet.js';

// What a finished bootstrap leaves behind, written directly: in the shoot the Flux namespace, the
// Flux Deployments (from the real release bundle, marked available as the kubelet would), the
// GitRepository and Kustomization (Ready, as Flux would mark them); in the seed the Extension's
// status as the controller records a successful bootstrap. A health bench needs a bootstrapped
// fleet, not the bootstraps: 1000 real Flux installs take far longer than the health figures on a
// small machine, and bench/fleet.bench.ts measures those.

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The revision every played source reports. */
export const playedRevision = 'main@sha1:0123456789abcdef0123456789abcdef01234567';

/** A Deployment as read from YAML: plain data, not a client class instance. */
export type PlainDeployment = Record<string, unknown> & { metadata?: Record<string, unknown> };

/** The Flux controller Deployments of the default components, as the release bundle ships them. */
export async function readFluxDeployments(): Promise<PlainDeployment[]> {
  const dir = findFluxBundleDir(defaultFluxVersion);
  const deployments: PlainDeployment[] = [];
  for (const component of defaultFluxComponents) {
    const text = await readFile(path.join(dir, `${component}.yaml`), 'utf8');
    for (const document of yaml.loadAll(text)) {
      if ((document as { kind?: string } | null)?.kind === 'Deployment')
        deployments.push(document as PlainDeployment);
    }
  }
  return deployments;
}

/** Flux's Ready condition (and what goes with it) for generation `generation`. */
export function buildFluxReadyStatus(
  kind: 'GitRepository' | 'Kustomization',
  generation: number,
  ready: { status: 'True' | 'False'; reason: string; message: string },
): Record<string, unknown> {
  const time = now();
  return {
    observedGeneration: generation,
    conditions: [{ type: 'Ready', ...ready, lastTransitionTime: time, observedGeneration: generation }],
    ...(kind === 'GitRepository'
      ? {
          artifact: {
            digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
            lastUpdateTime: time,
            path: 'gitrepository/flux-system/flux-system/0123456.tar.gz',
            revision: playedRevision,
            url: 'http://source-controller.flux-system.svc/gitrepository/flux-system/flux-system/0123456.tar.gz',
          },
        }
      : { lastAppliedRevision: playedRevision, lastAttemptedRevision: playedRevision }),
  };
}

const fluxKinds = {
  GitRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' },
  Kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' },
} as const;

/** Plays Flux: writes the Ready condition of one fleet shoot's bootstrapped source or Kustomization. */
export async function writeFluxReady(
  shoot: KubeConfig,
  namespace: string,
  kind: keyof typeof fluxKinds,
  ready: { status: 'True' | 'False'; reason: string; message: string },
): Promise<void> {
  const custom = shoot.makeApiClient(CustomObjectsApi);
  const ref = { ...fluxKinds[kind], namespace, name: 'flux-system' };
  const object = (await custom.getNamespacedCustomObject(ref)) as { metadata: { generation: number } };
  await custom.patchNamespacedCustomObjectStatus(
    { ...ref, body: { status: buildFluxReadyStatus(kind, object.metadata.generation, ready) } },
    mergePatch,
  );
}

const synced = {
  status: 'True',
  reason: 'Succeeded',
  message: 'Applied revision: ' + playedRevision,
} as const;

/** Writes what a bootstrap leaves in the shoot: Flux namespace, available Deployments, Ready source and Kustomization. */
export async function playShootBootstrap(
  shoot: FleetShoot,
  deployments: readonly PlainDeployment[],
): Promise<void> {
  const kubeConfig = shoot.shoot.kubeConfig;
  const namespace = shoot.fluxNamespace;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  for (const template of deployments) {
    const created = await apps.createNamespacedDeployment({
      namespace,
      body: { ...template, metadata: { ...template.metadata, namespace } },
    });
    await apps.patchNamespacedDeploymentStatus(
      {
        name: created.metadata?.name ?? '',
        namespace,
        body: { status: buildAvailableDeploymentStatus(created) },
      },
      mergePatch,
    );
  }
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await custom.createNamespacedCustomObject({
    ...fluxKinds.GitRepository,
    namespace,
    body: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'flux-system', namespace },
      spec: { url: 'https://git.example.com/org/fleet.git', ref: { branch: 'main' }, interval: '1m' },
    },
  });
  await custom.createNamespacedCustomObject({
    ...fluxKinds.Kustomization,
    namespace,
    body: {
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace },
      spec: {
        interval: '1m',
        path: './clusters/shoot',
        prune: true,
        sourceRef: { kind: 'GitRepository', name: 'flux-system' },
      },
    },
  });
  await writeFluxReady(kubeConfig, namespace, 'GitRepository', synced);
  await writeFluxReady(kubeConfig, namespace, 'Kustomization', synced);
}

/** Plays the controller's record of a finished bootstrap on the Extension (as its reconcile writes it). */
export async function playExtensionBootstrapped(seed: KubeConfig, shoot: FleetShoot): Promise<void> {
  const time = now();
  await seed.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
    {
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      namespace: shoot.seedNamespace,
      plural: 'extensions',
      name: 'shoot-flux',
      body: {
        status: {
          observedGeneration: 1,
          lastOperation: {
            type: 'Reconcile',
            state: 'Succeeded',
            progress: 100,
            description: 'Flux bootstrapped (played by the bench)',
            lastUpdateTime: time,
          },
          conditions: [
            {
              type: 'FluxBootstrapped',
              status: 'True',
              reason: 'BootstrapSuccessful',
              message: 'Flux has been bootstrapped successfully.',
              lastTransitionTime: time,
              lastUpdateTime: time,
            },
          ],
          state: { flux: { bootstrapped: true, bootstrappedAt: time, fluxVersion: defaultFluxVersion } },
        },
      },
    },
    mergePatch,
  );
}

/** Plays Flux reporting a failed build of a fleet shoot's Kustomization, or fixed again. */
export function writeKustomizationHealth(shoot: FleetShoot, failing: boolean): Promise<void> {
  return writeFluxReady(
    shoot.shoot.kubeConfig,
    shoot.fluxNamespace,
    'Kustomization',
    failing
      ? { status: 'False', reason: 'BuildFailed', message: 'kustomize build failed: played by the bench' }
      : synced,
  );
}
