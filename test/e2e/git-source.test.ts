import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { BasicAuth } from '../harness/git-server.js';
import {
  buildGitConfig,
  buildGitCredentialsResources,
  buildSeedNamespace,
  buildSourceFiles,
  expectBootstrapped,
  expectShootInfoApplied,
  kustomizationTemplate,
  readShootConfigMap,
  useLandscape,
} from './support/cases.js';

// One seed and one shoot control plane for this file; every case is its own shoot in the seed
// (own seed namespace) and installs Flux into its own namespace of the shared shoot API server.
// Real source-controller and kustomize-controller start once the extension installed Flux (they
// need its CRDs); the test plays only gardenlet and the kubelet.
const gitAuth = { username: 'fleet', password: randomBytes(8).toString('hex') } satisfies BasicAuth;

/** The shared Git config, optionally on another branch and in a syncMode. */
function gitConfig(fluxNamespace: string, url: string, options: { branch?: string; syncMode?: string } = {}) {
  const config = buildGitConfig(fluxNamespace, url) as Record<string, unknown> & {
    source: { template: { spec: { ref?: { branch?: string } } } };
  };
  if (options.branch) config.source.template.spec.ref = { branch: options.branch };
  return options.syncMode ? { syncMode: options.syncMode, ...config } : config;
}
const gitCredentialsResource = buildGitCredentialsResources('fleet-git-credentials');

describe('e2e: GitRepository sources with real Flux', () => {
  const currentLandscape = useLandscape({ gitAuth, reconcileTimeout: '60s' }, [gitAuth.password]);

  const readShootSecretPassword = (namespace: string, name: string) =>
    currentLandscape()
      .shoot.kubeConfig.makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace, name })
      .then(
        (secret) => Buffer.from(secret.data?.password ?? '', 'base64').toString(),
        () => undefined,
      );

  it('bootstraps a GitRepository with basic auth; Flux applies the repository with shoot-info substituted', async () => {
    const landscape = currentLandscape();
    const namespace = buildSeedNamespace('e2e');
    const gardenlet = landscape.gardenlet(namespace);
    await landscape.git.createRepository('fleet', buildSourceFiles('from-git'));
    await gardenlet.createShoot({
      name: 'git',
      projectNamespace: 'garden-e2e',
      resources: gitCredentialsResource,
    });
    await gardenlet.writeSecret('ref-fleet-git-credentials', gitAuth);
    const createdAt = Date.now();
    await gardenlet.createExtension(gitConfig('flux-system', landscape.git.url('fleet')));
    await landscape.ensureFluxControllers();

    await expectBootstrapped(gardenlet, createdAt, 'GitRepository with basic auth');
    await expectShootInfoApplied(landscape, 'from-git', { name: 'git', seedNamespace: namespace });
    // The real source-controller presented the synced credentials to the Git server.
    expect(landscape.git.requests().some((r) => r.path.startsWith('/fleet.git') && r.status === 200)).toBe(
      true,
    );
  });

  it('ManifestsOnly: a branch changed in the providerConfig reaches the real GitRepository, and kustomize-controller applies that branch', async () => {
    const landscape = currentLandscape();
    const namespace = buildSeedNamespace('e2e');
    const gardenlet = landscape.gardenlet(namespace);
    await landscape.git.createRepository('branches', buildSourceFiles('from-main'));
    await landscape.git.commitFiles('branches', buildSourceFiles('from-release'), 'release');
    await gardenlet.createShoot({
      name: 'branches',
      projectNamespace: 'garden-e2e',
      resources: gitCredentialsResource,
    });
    await gardenlet.writeSecret('ref-fleet-git-credentials', gitAuth);
    const url = landscape.git.url('branches');
    const createdAt = Date.now();
    await gardenlet.createExtension(gitConfig('flux-branches', url, { syncMode: 'ManifestsOnly' }));
    await landscape.ensureFluxControllers();
    await expectBootstrapped(gardenlet, createdAt, 'GitRepository in ManifestsOnly');
    await expect
      .poll(() => readShootConfigMap(landscape.shoot.kubeConfig, 'from-main'), { timeout: 120_000 })
      .toBeDefined();

    await gardenlet.patchExtension({
      metadata: { annotations: { 'gardener.cloud/operation': 'reconcile' } },
      spec: {
        providerConfig: gitConfig('flux-branches', url, { syncMode: 'ManifestsOnly', branch: 'release' }),
      },
    });
    // No rebootstrap annotation: the mode re-applies the source; the real controllers follow it.
    await expect
      .poll(() => readShootConfigMap(landscape.shoot.kubeConfig, 'from-release'), { timeout: 180_000 })
      .toMatchObject({ shoot: 'branches' });
    expect(landscape.git.requests().some((r) => r.path.startsWith('/branches.git') && r.status === 200)).toBe(
      true,
    );
  });

  it('reports Flux authentication failure without claiming success, and finishes once the seed secret is fixed', async () => {
    const landscape = currentLandscape();
    const namespace = buildSeedNamespace('e2e');
    const gardenlet = landscape.gardenlet(namespace);
    await landscape.git.createRepository('fleet-auth', buildSourceFiles('from-git-fixed'));
    await gardenlet.createShoot({
      name: 'auth',
      projectNamespace: 'garden-e2e',
      resources: gitCredentialsResource,
    });
    await gardenlet.writeSecret('ref-fleet-git-credentials', { ...gitAuth, password: 'wrong' });
    const createdAt = Date.now();
    await gardenlet.createExtension(gitConfig('flux-wrong-auth', landscape.git.url('fleet-auth')));
    await landscape.ensureFluxControllers();

    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description ?? '')
      .toMatch(/authentication required/i);
    const waiting = await gardenlet.extension();
    expect(waiting.status?.lastOperation?.state).not.toBe('Succeeded');
    expect(waiting.status?.conditions?.find((c) => c.type === 'FluxBootstrapped')?.status).not.toBe('True');
    expect(await readShootConfigMap(landscape.shoot.kubeConfig, 'from-git-fixed')).toBeUndefined();

    // Only the seed secret changes: no annotation, no other action.
    const fixedAt = Date.now();
    await gardenlet.writeSecret('ref-fleet-git-credentials', gitAuth);
    await expect.poll(() => readShootSecretPassword('flux-wrong-auth', 'flux-system')).toBe(gitAuth.password);
    console.log(
      `[e2e]   fixed secret synced into the shoot after ${((Date.now() - fixedAt) / 1000).toFixed(1)}s`,
    );
    const bootstrapped = await expectBootstrapped(
      gardenlet,
      createdAt,
      'GitRepository with wrong, then fixed credentials',
    );
    console.log(`[e2e]   of which after fixing the secret: ${((Date.now() - fixedAt) / 1000).toFixed(1)}s`);
    expect((await readShootConfigMap(landscape.shoot.kubeConfig, 'from-git-fixed'))?.shoot).toBe('auth');
    // Bootstrapped means done: no reconcile nobody asked for turns it back to Processing.
    await bootstrapped.expectHeld();
  });

  it('bootstraps a legacy kind-less config and warns about it with an Event', async () => {
    const landscape = currentLandscape();
    const namespace = buildSeedNamespace('e2e');
    const gardenlet = landscape.gardenlet(namespace);
    await landscape.git.createRepository('fleet-legacy', buildSourceFiles('from-legacy'));
    await gardenlet.createShoot({
      name: 'legacy',
      projectNamespace: 'garden-e2e',
      resources: gitCredentialsResource,
    });
    await gardenlet.writeSecret('ref-fleet-git-credentials', gitAuth);
    const legacy = {
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      flux: { namespace: 'flux-legacy' },
      source: {
        template: { spec: { url: landscape.git.url('fleet-legacy'), ref: { branch: 'main' } } },
        secretResourceName: 'git-credentials',
      },
      kustomization: { template: kustomizationTemplate },
    };
    const createdAt = Date.now();
    await gardenlet.createExtension(legacy);
    await landscape.ensureFluxControllers();

    await expectBootstrapped(gardenlet, createdAt, 'legacy kind-less GitRepository config');
    expect((await readShootConfigMap(landscape.shoot.kubeConfig, 'from-legacy'))?.shoot).toBe('legacy');
    const warnings = (await gardenlet.events()).filter(
      (e) => e.type === 'Warning' && e.reason === 'ProviderConfigWarning',
    );
    expect(warnings.map((e) => e.message).join('\n')).toMatch(/source\.template/);
  });
});
