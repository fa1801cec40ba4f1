import { randomBytes } from 'node:crypto';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { BasicAuth } from '../harness/git-server.js';
import type { Gardenlet } from '../harness/gardenlet.js';
import {
  buildGitConfig,
  buildGitCredentialsResources,
  buildSeedNamespace,
  buildSourceFiles,
  expectBootstrapped,
  readShootConfigMap,
  useLandscape,
} from './support/cases.js';

// Day-2 health against real source-controller and kustomize-controller: the test breaks and fixes
// the Git repository (as a shoot owner pushing commits) and scales a Flux Deployment (as an
// operator would); the health monitor must report what real Flux says. The controller runs with
// its health watch, so each change is judged when it happens; the assertions wait for stable
// states only. The test plays gardenlet and the kubelet.
const gitAuth = { username: 'health', password: randomBytes(8).toString('hex') } satisfies BasicAuth;

// The repository is polled every 5 s, so a pushed commit is fetched soon.
const gitConfig = (fluxNamespace: string, url: string) => buildGitConfig(fluxNamespace, url, '5s');
const gitCredentialsResource = buildGitCredentialsResources('health-git-credentials');

/** A manifest kustomize cannot parse: the `data` flow sequence is never closed. */
const brokenManifest = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: health-broken',
  '  namespace: default',
  'data: [unclosed',
  '',
].join('\n');

const fixedManifest = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: health-broken',
  '  namespace: default',
  'data:',
  '  fixed: "true"',
  '',
].join('\n');

interface ConditionView {
  status?: string;
  reason?: string;
  message?: string;
}

/** The Ready condition kustomize-controller wrote on the bootstrapped Kustomization. */
async function readKustomizationReady(
  shoot: ReturnType<typeof useLandscape>,
  namespace: string,
): Promise<ConditionView | undefined> {
  const object = (await shoot().shoot.kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    namespace,
    plural: 'kustomizations',
    name: 'flux-system',
  })) as { status?: { conditions?: (ConditionView & { type?: string })[] } };
  return object.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Creates one shoot reading repository `repository` into Flux namespace `fluxNamespace`; resolves once bootstrapped. */
async function bootstrapShoot(
  landscape: ReturnType<ReturnType<typeof useLandscape>>,
  name: string,
  repository: string,
  fluxNamespace: string,
): Promise<Gardenlet> {
  const gardenlet = landscape.gardenlet(buildSeedNamespace('e2e'));
  await landscape.git.createRepository(repository, buildSourceFiles(`${repository}-shoot`));
  await gardenlet.createShoot({ name, projectNamespace: 'garden-e2e', resources: gitCredentialsResource });
  await gardenlet.writeSecret('ref-health-git-credentials', gitAuth);
  const createdAt = Date.now();
  await gardenlet.createExtension(gitConfig(fluxNamespace, landscape.git.url(repository)));
  await landscape.ensureFluxControllers();
  await expectBootstrapped(gardenlet, createdAt, `health shoot ${name}`);
  return gardenlet;
}

describe('e2e: day-2 health with real Flux', () => {
  const currentLandscape = useLandscape(
    { gitAuth, reconcileTimeout: '60s', controllerArgs: ['--health-check-watch'] },
    [gitAuth.password],
  );

  it('a pushed invalid manifest turns FluxSynced False with kustomize-controller’s message; the fix turns it True', async () => {
    const landscape = currentLandscape();
    const gardenlet = await bootstrapShoot(landscape, 'sync', 'health-sync', 'flux-health-sync');
    await expect.poll(async () => (await gardenlet.condition('FluxSynced'))?.status).toBe('True');

    const brokenAt = Date.now();
    await landscape.git.commitFiles('health-sync', { 'deploy/broken.yaml': brokenManifest });
    // Stable once kustomize-controller judged the broken revision and the monitor reported it:
    // the Extension's condition carries the Kustomization's own reason and message.
    await expect
      .poll(async () => {
        const [condition, ready] = await Promise.all([
          gardenlet.condition('FluxSynced'),
          readKustomizationReady(currentLandscape, 'flux-health-sync'),
        ]);
        return {
          status: condition?.status,
          sameReason: condition?.reason === ready?.reason,
          carriesFluxMessage: ready?.message !== undefined && condition?.message.includes(ready.message),
        };
      })
      .toEqual({ status: 'False', sameReason: true, carriesFluxMessage: true });
    console.log(
      `[e2e]   broken commit pushed → FluxSynced=False after ${((Date.now() - brokenAt) / 1000).toFixed(1)}s`,
    );
    const failing = await gardenlet.condition('FluxSynced');
    expect(failing?.reason).toBe('BuildFailed');
    expect(failing?.message).toMatch(/^Kustomization flux-health-sync\/flux-system: /);
    // A failing sync is the shoot owner's content: the Flux controllers themselves stay healthy.
    expect((await gardenlet.condition('SystemComponentsHealthy'))?.status).toBe('True');

    const fixedAt = Date.now();
    await landscape.git.commitFiles('health-sync', { 'deploy/broken.yaml': fixedManifest });
    await expect.poll(async () => (await gardenlet.condition('FluxSynced'))?.status).toBe('True');
    console.log(`[e2e]   fix pushed → FluxSynced=True after ${((Date.now() - fixedAt) / 1000).toFixed(1)}s`);
    expect(await readShootConfigMap(landscape.shoot.kubeConfig, 'health-broken')).toEqual({ fixed: 'true' });
  });

  it('a Flux controller scaled to 0 turns SystemComponentsHealthy False naming it; scaled back, True', async () => {
    const landscape = currentLandscape();
    const gardenlet = await bootstrapShoot(landscape, 'components', 'health-components', 'flux-health-parts');
    await expect
      .poll(async () => (await gardenlet.condition('SystemComponentsHealthy'))?.status)
      .toBe('True');

    // The real kustomize-controller runs beside the API server, not from this Deployment, so only
    // the Deployment's state changes here: what the kubelet stand-in reports for 0 replicas.
    const apps = landscape.shoot.kubeConfig.makeApiClient(AppsV1Api);
    const scale = (replicas: number) =>
      apps.patchNamespacedDeployment(
        { name: 'kustomize-controller', namespace: 'flux-health-parts', body: { spec: { replicas } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    const scaledAt = Date.now();
    await scale(0);
    await expect
      .poll(async () => {
        const condition = await gardenlet.condition('SystemComponentsHealthy');
        return { status: condition?.status, reason: condition?.reason, message: condition?.message };
      })
      .toEqual({
        status: 'False',
        reason: 'HealthCheckUnsuccessful',
        message: expect.stringContaining(
          'Deployment flux-health-parts/kustomize-controller: scaled to 0 replicas',
        ) as unknown,
      });
    console.log(
      `[e2e]   scaled to 0 → SystemComponentsHealthy=False after ${((Date.now() - scaledAt) / 1000).toFixed(1)}s`,
    );
    // Only the scaled controller is named.
    expect((await gardenlet.condition('SystemComponentsHealthy'))?.message).not.toMatch(
      /source-controller|helm-controller|notification-controller/,
    );

    await scale(1);
    await expect
      .poll(async () => (await gardenlet.condition('SystemComponentsHealthy'))?.status)
      .toBe('True');
    expect((await gardenlet.condition('SystemComponentsHealthy'))?.reason).toBe('HealthCheckSuccessful');
  });
});
