import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import type { Kubelet } from '../../harness/kubelet.js';
import { reconcileOnce, writeRequests } from './reconcile-counting.js';
import {
  applySourceAsKustomizeController,
  deleteBootstrappedObject,
  editWithKubectl,
  readBootstrappedObject,
} from './shoot-edits.js';
import {
  bootstrapTestShoot,
  gitConfig,
  startShootFluxManager,
  useTestShoots,
  type TestShoot,
} from './shoot-flux-support.js';

// syncMode after the bootstrap, through the real manager against real API servers; the test
// plays gardenlet, the kubelet and Flux (and, for self-management, kustomize-controller's apply).
const extensionType = 'shoot-flux-sync-mode';

function configWith(ns: string, syncMode: string, branch = 'main', path = './clusters/shoot') {
  return gitConfig(ns, {
    syncMode,
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/org/repo.git', ref: { branch } },
      },
      secretResourceName: 'git-credentials',
    },
    kustomization: { template: { spec: { path } } },
  });
}

describe('shoot-flux syncMode', () => {
  // Each test's shoots are removed after it, from seed and shoot.
  const shoots = useTestShoots();
  let manager: Manager;
  const kubelets: Kubelet[] = [];

  beforeAll(async () => {
    manager = await startShootFluxManager({ extensionType });
  });
  afterAll(async () => {
    for (const kubelet of kubelets) await kubelet.stop();
    await manager.stop();
  });

  const gitRepository = (g: TestShoot) => readBootstrappedObject(g, 'gitrepositories');
  const kustomization = (g: TestShoot) => readBootstrappedObject(g, 'kustomizations');
  const bootstrappedCondition = async (g: TestShoot) =>
    (await g.extension()).status?.conditions?.find((c) => c.type === 'FluxBootstrapped');

  it('ManifestsOnly sends nothing more than Once in a steady state, then follows a branch and path change without annotation', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) => configWith(ns, 'Once'));
    const ns = gardenlet.fluxNamespace;
    await reconcileOnce(manager, gardenlet);
    let before = await writeRequests(manager);
    await reconcileOnce(manager, gardenlet);
    const once = (await writeRequests(manager)) - before;

    await gardenlet.patchExtension({ spec: { providerConfig: configWith(ns, 'ManifestsOnly') } });
    await reconcileOnce(manager, gardenlet);
    const repository = await gitRepository(gardenlet);
    before = await writeRequests(manager);
    await reconcileOnce(manager, gardenlet);
    // The same requests as Once: the source and Kustomization are compared, not re-applied.
    expect((await writeRequests(manager)) - before).toBe(once);
    expect((await gitRepository(gardenlet))?.metadata.resourceVersion).toBe(
      repository?.metadata.resourceVersion,
    );

    await gardenlet.patchExtension({
      spec: { providerConfig: configWith(ns, 'ManifestsOnly', 'release', './clusters/prod') },
    });
    await gardenlet.annotate();
    await expect.poll(async () => (await gitRepository(gardenlet))?.spec.ref?.branch).toBe('release');
    await expect.poll(async () => (await kustomization(gardenlet))?.spec.path).toBe('./clusters/prod');
    expect(await gardenlet.events()).toContainEqual(
      expect.objectContaining({ reason: 'FluxManifestsApplied' }),
    );
    expect((await bootstrappedCondition(gardenlet))?.reason).toBe('BootstrapSuccessful');
  });

  it('ManifestsOnly re-applies a template with a field the CRD does not declare, without that field', async () => {
    // The bootstrap warned about the field and left it out; the re-apply after a branch change
    // must leave it out too, since server-side apply refuses a field the schema does not declare.
    const config = (ns: string, branch: string) => {
      const base = configWith(ns, 'ManifestsOnly', branch);
      return {
        ...base,
        kustomization: { template: { spec: { path: './clusters/shoot', intervall: '5m' } } },
      };
    };
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) => config(ns, 'main'));
    const ns = gardenlet.fluxNamespace;
    await gardenlet.patchExtension({ spec: { providerConfig: config(ns, 'release') } });
    await gardenlet.annotate();
    await expect.poll(async () => (await gitRepository(gardenlet))?.spec.ref?.branch).toBe('release');
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.state)
      .toBe('Succeeded');
    expect((await gardenlet.extension()).status?.lastError).toBeUndefined();
    expect((await kustomization(gardenlet))?.spec).not.toHaveProperty('intervall');
    expect((await bootstrappedCondition(gardenlet))?.reason).toBe('BootstrapSuccessful');
  });

  it('Once does not follow a branch change and says so', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) => configWith(ns, 'Once'));
    await gardenlet.patchExtension({
      spec: { providerConfig: configWith(gardenlet.fluxNamespace, 'Once', 'release') },
    });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await bootstrappedCondition(gardenlet))?.reason)
      .toBe('ConfigChangedAfterBootstrap');
    expect((await gitRepository(gardenlet))?.spec.ref?.branch).toBe('main');
  });

  it('ManifestsOnly restores a changed field and a deleted Kustomization, and says a flux change is not applied', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) =>
      configWith(ns, 'ManifestsOnly'),
    );
    const ns = gardenlet.fluxNamespace;
    // kubectl edit: an Update by another manager is drift, not self-management.
    await editWithKubectl(gardenlet, 'gitrepositories', { interval: '10h' });
    await deleteBootstrappedObject(gardenlet, 'kustomizations');
    await gardenlet.annotate();
    await expect.poll(async () => (await gitRepository(gardenlet))?.spec.interval).toBe('1m');
    await expect.poll(async () => (await kustomization(gardenlet))?.spec.path).toBe('./clusters/shoot');

    await gardenlet.patchExtension({
      spec: {
        providerConfig: { ...configWith(ns, 'ManifestsOnly'), flux: { namespace: ns, logLevel: 'debug' } },
      },
    });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await bootstrappedCondition(gardenlet))?.reason)
      .toBe('ConfigChangedAfterBootstrap');
    expect((await bootstrappedCondition(gardenlet))?.message).toContain(
      'syncMode ManifestsOnly keeps the installation',
    );
  });

  it('leaves a source that kustomize-controller applies alone and reports FluxSelfManaged naming it', async () => {
    const gardenlet = await bootstrapTestShoot(shoots.create(extensionType), (ns) =>
      configWith(ns, 'ManifestsOnly'),
    );
    const ns = gardenlet.fluxNamespace;
    // Flux's own repository now holds the source: kustomize-controller server-side applies it.
    await applySourceAsKustomizeController(gardenlet, {
      url: 'https://git.example.com/org/self.git',
      interval: '5m',
      ref: { branch: 'main' },
    });
    await gardenlet.patchExtension({
      spec: { providerConfig: configWith(ns, 'ManifestsOnly', 'release') },
    });
    await gardenlet.annotate();
    await expect.poll(async () => (await bootstrappedCondition(gardenlet))?.reason).toBe('FluxSelfManaged');
    const message = (await bootstrappedCondition(gardenlet))?.message ?? '';
    expect(message).toContain(`GitRepository ${ns}/flux-system`);
    expect(message).toContain('kustomize-controller');
    const source = await gitRepository(gardenlet);
    expect(source?.spec.url).toBe('https://git.example.com/org/self.git');
    expect(source?.spec.ref?.branch).toBe('main');
    // The Kustomization is still ours and follows the config.
    expect((await gardenlet.extension()).status?.lastOperation?.state).toBe('Succeeded');

    // Reported once: another reconcile of the unchanged, still self-managed shoot adds no Event.
    const selfManagedEvents = async () =>
      (await gardenlet.events())
        .filter((e) => e.reason === 'FluxSelfManaged')
        .reduce((sum, e) => sum + (e.count ?? 1), 0);
    await expect.poll(selfManagedEvents).toBe(1);
    await gardenlet.annotate();
    await expect
      .poll(async () => (await gardenlet.extension()).metadata.annotations?.['gardener.cloud/operation'])
      .toBeUndefined();
    expect((await bootstrappedCondition(gardenlet))?.reason).toBe('FluxSelfManaged');
    expect(await selfManagedEvents()).toBe(1);
  });
});
