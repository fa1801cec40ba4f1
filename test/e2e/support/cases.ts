import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, expect, onTestFinished } from 'vitest';
import type { Extension } from '../../../src/gardener/types.js';
import { buildGitFluxConfig } from '../../harness/flux-configs.js';
import { describeRequestedReconcile, type Gardenlet } from '../../harness/gardenlet.js';
import { livePids } from '../../harness/processes.js';
import { startLandscape, type Landscape, type LandscapeOptions } from '../../../hack/landscape/landscape.js';

/**
 * The one manifest every e2e source carries: a ConfigMap in `default` whose `shoot` value
 * kustomize-controller substitutes from the extension's shoot-info ConfigMap.
 */
export function buildSourceFiles(configMapName: string): Record<string, string> {
  return {
    'deploy/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      `  name: ${configMapName}`,
      '  namespace: default',
      'data:',
      '  shoot: ${SHOOT_INFO_NAME}',
      '  technicalID: ${SHOOT_INFO_TECHNICAL_ID}',
      '  garden: ${SHOOT_INFO_GARDEN_CLUSTER_IDENTITY}',
      '',
    ].join('\n'),
  };
}

/** The Kustomization template every case uses: the repository's `deploy/`, substituted from shoot-info. */
export const kustomizationTemplate = {
  spec: {
    path: './deploy',
    interval: '1m',
    prune: true,
    postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'shoot-info' }] },
  },
};

/**
 * A current-format GitRepository config reading `url` with the `git-credentials` resource
 * ({@link buildGitCredentialsResources}); `interval` is how often source-controller fetches.
 */
export function buildGitConfig(fluxNamespace: string, url: string, interval = '1m') {
  return buildGitFluxConfig({
    url,
    fluxNamespace,
    gitSpec: { interval, timeout: '20s' },
    secretResourceName: 'git-credentials',
    kustomization: kustomizationTemplate,
  });
}

/** The Shoot's `spec.resources` naming the project secret `secretName` as `git-credentials`. */
export function buildGitCredentialsResources(secretName: string) {
  return [{ name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: secretName } }];
}

/** A fresh seed namespace name, as gardenlet names them (`shoot--<project>--<shoot>`). */
export function buildSeedNamespace(project: string): string {
  return `shoot--${project}--${randomBytes(3).toString('hex')}`;
}

/** The data of a ConfigMap in the shoot's `default` namespace, undefined while absent. */
export async function readShootConfigMap(
  shoot: KubeConfig,
  name: string,
): Promise<Record<string, string> | undefined> {
  return shoot
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ name, namespace: 'default' })
    .then(
      (c) => c.data,
      () => undefined,
    );
}

/**
 * Asserts that Flux applied the source's ConfigMap ({@link buildSourceFiles}) into the shoot with
 * this shoot's shoot-info values substituted.
 */
export async function expectShootInfoApplied(
  landscape: Landscape,
  configMapName: string,
  shoot: { name: string; seedNamespace: string },
): Promise<void> {
  expect(await readShootConfigMap(landscape.shoot.kubeConfig, configMapName)).toEqual({
    shoot: shoot.name,
    technicalID: shoot.seedNamespace,
    garden: landscape.gardenClusterIdentity,
  });
}

/** Why an Extension is not (yet) settled bootstrapped, or `settled`. */
function describeSettlement(extension: Extension | undefined): string {
  if (!extension) return 'no Extension';
  const bootstrapped = extension.status?.conditions?.find((c) => c.type === 'FluxBootstrapped');
  const last = extension.status?.lastOperation;
  if (bootstrapped?.status !== 'True') return `FluxBootstrapped=${bootstrapped?.status ?? 'absent'}`;
  if (last?.state !== 'Succeeded') return `lastOperation ${last?.state ?? 'absent'}`;
  if (extension.status?.observedGeneration !== extension.metadata.generation)
    return 'generation not observed';
  if (extension.metadata.annotations?.['gardener.cloud/operation']) return 'operation annotation pending';
  return 'settled';
}

/** What {@link expectBootstrapped} measured, and the check that the end state holds. */
export interface Bootstrapped {
  /** Seconds from the Extension's creation to its settled bootstrap. */
  seconds: number;
  /**
   * Asserts that the bootstrapped state held from the settled read until now: no
   * `lastOperation` other than `Succeeded` was written since (nobody asked for another
   * reconcile), and the Extension still says so.
   */
  expectHeld(): Promise<void>;
}

/**
 * Waits for the settled end state of a bootstrap: one read of the Extension showing
 * `FluxBootstrapped=True` and `lastOperation` `Succeeded` for its current generation with no
 * operation pending (two separate reads could straddle a later reconcile). Prints the time
 * since the Extension was created, asserts that read, and records every later `lastOperation`
 * for {@link Bootstrapped.expectHeld}.
 */
export async function expectBootstrapped(
  gardenlet: Gardenlet,
  createdAt: number,
  label: string,
): Promise<Bootstrapped> {
  let settled: Extension | undefined;
  await expect
    .poll(
      async () => {
        settled = await gardenlet.readExtension();
        return describeSettlement(settled);
      },
      { timeout: 300_000 },
    )
    .toBe('settled');
  const seconds = (Date.now() - createdAt) / 1000;
  console.log(`[e2e] ${label}: Extension created → FluxBootstrapped=True in ${seconds.toFixed(1)}s`);
  expect(settled?.status?.conditions?.find((c) => c.type === 'FluxBootstrapped')).toMatchObject({
    status: 'True',
    reason: 'BootstrapSuccessful',
  });
  expect(settled?.status?.lastOperation).toMatchObject({ state: 'Succeeded', progress: 100 });
  const recorder = await gardenlet.recordLastOperations(settled?.metadata.resourceVersion);
  onTestFinished(() => {
    recorder.stop();
  });
  return {
    seconds,
    expectHeld: async () => {
      const extension = await gardenlet.extension();
      expect(recorder.seen.filter((operation) => operation.state !== 'Succeeded')).toEqual([]);
      expect(extension.status?.lastOperation).toMatchObject({ state: 'Succeeded', progress: 100 });
      expect(extension.status?.conditions?.find((c) => c.type === 'FluxBootstrapped')?.status).toBe('True');
    },
  };
}

/**
 * Asks for a reconcile as gardenlet does (the operation annotation) and waits until it ran:
 * `lastOperation` Processing, then Succeeded. A failed reconcile shows its description in the
 * poll's failure.
 */
export async function reconcileAndWait(gardenlet: Gardenlet): Promise<void> {
  const operations = await gardenlet.recordLastOperations();
  try {
    await gardenlet.annotate();
    await expect.poll(() => describeRequestedReconcile(operations.seen)).toBe('Succeeded');
  } finally {
    operations.stop();
  }
}

/**
 * Stops the controller like a kubelet would (SIGTERM) and checks the black box from outside: a
 * clean exit 0, structured JSON logs only, and none of the given secrets anywhere in them.
 */
export async function expectCleanControllerShutdown(landscape: Landscape, secrets: string[]): Promise<void> {
  await landscape.controller.stop();
  expect(await landscape.controller.waitForExit()).toBe(0);
  const log = await readFile(landscape.controllerLogFile, 'utf8');
  const lines = log.split('\n').filter((line) => line.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
  for (const secret of secrets) expect(log).not.toContain(secret);
}

/**
 * One landscape for a test file: started before its tests, printed when a test fails, and at the
 * end shut down through SIGTERM (asserting a clean exit whose logs never contain `secrets`) with
 * nothing left running. Returns the running landscape's accessor.
 */
export function useLandscape(options: LandscapeOptions, secrets: string[]): () => Landscape {
  let landscape: Landscape | undefined;
  const current = () => {
    if (!landscape) throw new Error('the landscape is not running');
    return landscape;
  };
  beforeAll(async () => {
    landscape = await startLandscape(options);
  });
  afterAll(async () => {
    if (!landscape) return;
    try {
      await expectCleanControllerShutdown(landscape, secrets);
    } finally {
      await landscape.stop();
    }
    expect(livePids()).toEqual([]);
  });
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      process.stderr.write(`${current().logs(80)}\n`);
    });
  });
  return current;
}
