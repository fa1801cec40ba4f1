import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import type { Extension } from '../../../src/gardener/types.js';
import { fluxReadyConditions } from '../../harness/flux-player.js';
import {
  type TestShoot,
  useTestShoots,
  gitConfig,
  publicGitConfig,
  startShootFluxManager,
  testShootResources,
} from './shoot-flux-support.js';

const condition = (extension: Extension, type: string) =>
  extension.status?.conditions?.find((c) => c.type === type);

describe('shoot-flux actuator', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager();
  });
  afterAll(async () => {
    await manager.stop();
  });

  const bootstrappedShoot = (config?: (fluxNamespace: string) => unknown) => shoots.bootstrap(config);

  /** A shoot whose bootstrap got as far as creating its GitRepository (no secrets). */
  async function shootWaitingForSource(): Promise<TestShoot> {
    const gardenlet = shoots.create();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    await gardenlet.createExtension(publicGitConfig(ns));
    await expect
      .poll(() => gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'))
      .toBeDefined();
    return gardenlet;
  }

  it('bootstraps a GitRepository with secrets and shoot-info, as gardenlet expects', async () => {
    const gardenlet = await bootstrappedShoot();
    const extension = await gardenlet.extension();
    expect(condition(extension, 'FluxBootstrapped')).toMatchObject({
      status: 'True',
      reason: 'BootstrapSuccessful',
    });
    expect(extension.status?.state).toMatchObject({ flux: { bootstrapped: true, fluxVersion: 'v2.9.2' } });
    expect(extension.status?.lastOperation).toMatchObject({ state: 'Succeeded', progress: 100 });

    const ns = gardenlet.fluxNamespace;
    const gitSecret = await gardenlet.shootCore.readNamespacedSecret({ name: 'flux-system', namespace: ns });
    expect(Buffer.from(gitSecret.data?.password ?? '', 'base64').toString()).toBe('s3cret');
    expect(gitSecret.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux',
    });
    const extra = await gardenlet.shootCore.readNamespacedSecret({ name: 'extra-secret', namespace: ns });
    expect(Buffer.from(extra.data?.token ?? '', 'base64').toString()).toBe('extra');
    const shootInfo = await gardenlet.shootCore.readNamespacedConfigMap({
      name: 'shoot-info',
      namespace: ns,
    });
    expect(shootInfo.data).toEqual({
      SHOOT_INFO_CLUSTER_IDENTITY: 'shoot-identity',
      SHOOT_INFO_NAME: 'my-shoot',
      SHOOT_INFO_TECHNICAL_ID: gardenlet.namespace,
      SHOOT_INFO_GARDEN_CLUSTER_IDENTITY: 'garden-it',
    });
    const reasons = (await gardenlet.events()).map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'BootstrapStarted',
        'FluxInstalled',
        'SourceReady',
        'KustomizationReady',
        'Bootstrapped',
      ]),
    );
    // Every installed controller is there, not just source-controller.
    const deployments = await gardenlet.shoot
      .makeApiClient((await import('@kubernetes/client-node')).AppsV1Api)
      .listNamespacedDeployment({ namespace: ns });
    expect(deployments.items.map((d) => d.metadata?.name).sort()).toEqual([
      'helm-controller',
      'kustomize-controller',
      'notification-controller',
      'source-controller',
    ]);
  });

  it('bootstraps an OCIRepository with a dockerconfigjson secret', async () => {
    const gardenlet = shoots.create();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot({
      resources: [
        { name: 'registry', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'registry-auth' } },
      ],
    });
    await gardenlet.writeSecret(
      'ref-registry-auth',
      { '.dockerconfigjson': '{"auths":{}}' },
      'kubernetes.io/dockerconfigjson',
    );
    await gardenlet.startKubelet();
    await gardenlet.createExtension({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      flux: { namespace: ns },
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1beta2',
          kind: 'OCIRepository',
          spec: { url: 'oci://registry.example.com/manifests', ref: { tag: 'v1' } },
        },
        secretResourceName: 'registry',
      },
      kustomization: { template: { spec: { path: './' } } },
    });
    await expect
      .poll(() => gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'ocirepositories', ns, 'flux-system'))
      .toBeDefined();
    const oci = (await gardenlet.flux.readObject(
      'source.toolkit.fluxcd.io',
      'ocirepositories',
      ns,
      'flux-system',
    )) as {
      apiVersion: string;
      spec: { secretRef: { name: string } };
    };
    // Written in the version Flux v2.9 serves, whatever the template said.
    expect(oci.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(oci.spec.secretRef).toEqual({ name: 'flux-system' });
    const secret = await gardenlet.shootCore.readNamespacedSecret({ name: 'flux-system', namespace: ns });
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    await gardenlet.flux.setStatus('ocirepositories', 'flux-system', ns, fluxReadyConditions);
    await expect
      .poll(() =>
        gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'),
      )
      .toBeDefined();
    const kustomization = (await gardenlet.flux.readObject(
      'kustomize.toolkit.fluxcd.io',
      'kustomizations',
      ns,
      'flux-system',
    )) as {
      spec: { sourceRef: unknown };
    };
    expect(kustomization.spec.sourceRef).toEqual({
      kind: 'OCIRepository',
      name: 'flux-system',
      namespace: ns,
    });
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
    expect((await gardenlet.events()).map((e) => e.reason)).toContain('ProviderConfigWarning');
  });

  it('keeps waiting while Flux reports a transient Ready=False, shows its message, and finishes on Ready=True', async () => {
    const gardenlet = await shootWaitingForSource();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.flux.setStatus(
      'gitrepositories',
      'flux-system',
      ns,
      [
        {
          type: 'Ready',
          status: 'False',
          reason: 'GitOperationFailed',
          message: 'failed to checkout: authentication required',
        },
        { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: 'retrying' },
      ],
      { observe: false },
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description ?? '')
      .toContain('authentication required');
    const waiting = await gardenlet.extension();
    expect(waiting.status?.lastOperation?.state).toBe('Processing');
    expect(waiting.status?.lastError ?? undefined).toBeUndefined();
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await expect
      .poll(() =>
        gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'),
      )
      .toBeDefined();
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  });

  it("keeps Flux's message in lastOperation.description across requeues while the source is unreachable", async () => {
    const gardenlet = await shootWaitingForSource();
    const ns = gardenlet.fluxNamespace;
    const unreachable =
      "failed to checkout and determine revision: unable to clone 'https://git.example.com/r.git': " +
      'dial tcp 127.0.0.1:1: connect: connection refused';
    await gardenlet.flux.setStatus(
      'gitrepositories',
      'flux-system',
      ns,
      [{ type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: unreachable }],
      { observe: false },
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description ?? '')
      .toContain(unreachable);
    const record = await gardenlet.recordLastOperations();
    try {
      // Each annotation is one more reconcile (after the running one ends, as gardenlet's would):
      // the reconciler removes it when it starts, and the wait begins again.
      for (let requeue = 0; requeue < 2; requeue++) {
        await gardenlet.annotate();
        await expect
          .poll(async () => (await gardenlet.extension()).metadata.annotations?.['gardener.cloud/operation'])
          .toBeUndefined();
      }
      await expect
        .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description ?? '')
        .toContain(unreachable);
    } finally {
      record.stop();
    }
    // Two reconciles started (each writes Processing) and none showed anything but Flux's message.
    expect(record.seen.length).toBeGreaterThan(0);
    for (const operation of record.seen) {
      expect(operation).toEqual({
        state: 'Processing',
        description: expect.stringContaining(unreachable) as unknown,
      });
    }
    expect((await gardenlet.extension()).status?.lastError ?? undefined).toBeUndefined();

    // Finish, so this shoot's requeues do not run on into the next tests (they share the shoot).
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  });

  it('resumes at once when a wrong seed credential is fixed, and asks Flux to retry now', async () => {
    const gardenlet = shoots.create();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot({ resources: testShootResources });
    await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 'wrong' });
    await gardenlet.writeSecret('ref-extra-secret', { token: 'extra' });
    await gardenlet.startKubelet();
    await gardenlet.createExtension(gitConfig(ns));
    await expect
      .poll(() => gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'))
      .toBeDefined();
    await gardenlet.flux.setStatus(
      'gitrepositories',
      'flux-system',
      ns,
      [{ type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: 'authentication required' }],
      { observe: false },
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description ?? '')
      .toContain('authentication required');
    // The fix is only in the seed: a watch on the seed secrets wakes the bootstrap.
    await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 'right' });
    await expect
      .poll(async () => {
        const source = (await gardenlet.flux.readObject(
          'source.toolkit.fluxcd.io',
          'gitrepositories',
          ns,
          'flux-system',
        )) as {
          metadata: { annotations?: Record<string, string> };
        };
        return source.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'];
      })
      .toBeDefined();
    const secret = await gardenlet.shootCore.readNamespacedSecret({ name: 'flux-system', namespace: ns });
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('right');
  });

  it('fails at once with Flux message when the source is Stalled', async () => {
    const gardenlet = await shootWaitingForSource();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, [
      { type: 'Ready', status: 'False', reason: 'InvalidURL', message: 'invalid URL' },
      { type: 'Stalled', status: 'True', reason: 'InvalidURL', message: 'URL scheme not supported' },
    ]);
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.description ?? '')
      .toContain('URL scheme not supported');
    const extension = await gardenlet.extension();
    expect(extension.status?.lastOperation?.state).toBe('Error');
    expect(extension.status?.lastError?.codes).toEqual(['ERR_CONFIGURATION_PROBLEM']);
    expect(evaluateExtensionReadiness(extension)).toMatch(/^error during reconciliation/);
  });

  it('reports an invalid providerConfig with field paths and does not touch the shoot', async () => {
    const gardenlet = shoots.create();
    await gardenlet.createShoot();
    await gardenlet.createExtension({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      flux: { namespace: gardenlet.fluxNamespace, version: 'latest' },
      source: { template: { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'Bucket', spec: {} } },
      kustomization: { template: { spec: {} } },
    });
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    const description = (await gardenlet.extension()).status?.lastError?.description ?? '';
    expect(description).toContain('flux.version: Invalid value');
    expect(description).toContain('source.template.kind: Unsupported value: "Bucket"');
    expect(description).toContain('kustomization.template.spec.path: Required value');
    await expect(gardenlet.shootCore.readNamespace({ name: gardenlet.fluxNamespace })).rejects.toThrow();
  });

  it('validates but skips the shoot of a hibernated cluster', async () => {
    const gardenlet = shoots.create();
    await gardenlet.createShoot({ hibernated: true });
    await gardenlet.createExtension(
      gitConfig(gardenlet.fluxNamespace, {
        additionalSecretResources: [],
        source: undefined,
        kustomization: undefined,
      }),
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.state)
      .toBe('Succeeded');
    await expect(gardenlet.shootCore.readNamespace({ name: gardenlet.fluxNamespace })).rejects.toThrow();
    // Invalid config is still reported while hibernated (the Go reference reports Succeeded).
    await gardenlet.patchExtension({ spec: { providerConfig: { flux: { namespace: 'Not_Valid' } } } });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
  });

  it('after the bootstrap syncs secret changes, deletes dropped secrets and leaves unmanaged ones alone', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.writeSecret('ref-extra-secret', { token: 'rotated' });
    await gardenlet.annotate();
    await expect
      .poll(async () => {
        const secret = await gardenlet.shootCore.readNamespacedSecret({
          name: 'extra-secret',
          namespace: ns,
        });
        return Buffer.from(secret.data?.token ?? '', 'base64').toString();
      })
      .toBe('rotated');

    await gardenlet.shootCore.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'users-own' }, stringData: { keep: 'me' } },
    });
    await gardenlet.patchExtension({
      spec: {
        providerConfig: gitConfig(ns, {
          additionalSecretResources: [{ name: 'extra', targetName: 'users-own' }],
        }),
      },
    });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.description ?? '')
      .toContain('not managed by the extension');
    expect((await gardenlet.extension()).status?.lastError?.codes).toEqual([
      'ERR_RETRYABLE_CONFIGURATION_PROBLEM',
    ]);
    const untouched = await gardenlet.shootCore.readNamespacedSecret({ name: 'users-own', namespace: ns });
    expect(Buffer.from(untouched.data?.keep ?? '', 'base64').toString()).toBe('me');
    // The old target was dropped from the config: deleted.
    await expect(
      gardenlet.shootCore.readNamespacedSecret({ name: 'extra-secret', namespace: ns }),
    ).rejects.toThrow();

    await gardenlet.patchExtension({
      spec: { providerConfig: gitConfig(ns, { additionalSecretResources: [] }) },
    });
    await gardenlet.annotate();
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  });

  it('reports a config change after the bootstrap, and bootstraps again on the rebootstrap annotation', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    const changed = gitConfig(ns, {
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          spec: { url: 'https://git.example.com/org/other.git', ref: { branch: 'main' } },
        },
        secretResourceName: 'git-credentials',
      },
    });
    await gardenlet.patchExtension({ spec: { providerConfig: changed } });
    await gardenlet.annotate();
    await expect
      .poll(async () => condition(await gardenlet.extension(), 'FluxBootstrapped')?.reason)
      .toBe('ConfigChangedAfterBootstrap');
    const source = (await gardenlet.flux.readObject(
      'source.toolkit.fluxcd.io',
      'gitrepositories',
      ns,
      'flux-system',
    )) as {
      spec: { url: string };
    };
    expect(source.spec.url).toBe('https://git.example.com/org/repo.git');

    await gardenlet.patchExtension({
      metadata: { annotations: { 'flux.extensions.gardener.cloud/rebootstrap': 'true' } },
    });
    await gardenlet.annotate();
    await expect
      .poll(
        async () =>
          (
            (await gardenlet.flux.readObject(
              'source.toolkit.fluxcd.io',
              'gitrepositories',
              ns,
              'flux-system',
            )) as { spec: { url: string } }
          ).spec.url,
      )
      .toBe('https://git.example.com/org/other.git');
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect
      .poll(async () => condition(await gardenlet.extension(), 'FluxBootstrapped')?.reason)
      .toBe('BootstrapSuccessful');
    // Removed right after the bootstrapped status is written: a moment later, not in the same write.
    await expect
      .poll(
        async () =>
          (await gardenlet.extension()).metadata.annotations?.['flux.extensions.gardener.cloud/rebootstrap'],
      )
      .toBeUndefined();
  });

  it('succeeds and says so when Flux was uninstalled after the bootstrap', async () => {
    const gardenlet = await bootstrappedShoot();
    await gardenlet.shootCore.deleteNamespace({ name: gardenlet.fluxNamespace });
    await gardenlet.annotate();
    await expect
      .poll(async () => condition(await gardenlet.extension(), 'FluxBootstrapped')?.reason)
      .toBe('FluxNamespaceMissing');
    // The condition is written before the operation's Succeeded: wait for that too.
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  });

  it('keeps the bootstrap through migrate and restore, and removes nothing on delete', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    const before = (await gardenlet.flux.readObject(
      'source.toolkit.fluxcd.io',
      'gitrepositories',
      ns,
      'flux-system',
    )) as {
      metadata: { generation: number; uid: string };
    };
    await gardenlet.annotate('migrate');
    // Wait for the annotation's removal too: it follows the status write, and a removal that lands
    // after the next annotation would erase that one.
    await expect
      .poll(async () => {
        const extension = await gardenlet.extension();
        return {
          ...extension.status?.lastOperation,
          annotation: extension.metadata.annotations?.['gardener.cloud/operation'],
        };
      })
      .toMatchObject({
        type: 'Migrate',
        state: 'Succeeded',
        annotation: undefined,
      });
    // gardenlet restores status.state from the ShootState, never the conditions.
    await gardenlet.patchExtensionStatus({ conditions: null });
    await gardenlet.annotate('restore');
    // Restore succeeds (a follow-up Reconcile may overwrite lastOperation.type) and the annotation is gone.
    await expect
      .poll(async () => {
        const extension = await gardenlet.extension();
        return {
          annotation: extension.metadata.annotations?.['gardener.cloud/operation'],
          state: extension.status?.lastOperation?.state,
          type: extension.status?.lastOperation?.type,
        };
      })
      .toMatchObject({
        annotation: undefined,
        state: 'Succeeded',
        type: expect.stringMatching(/^(Restore|Reconcile)$/) as unknown,
      });
    expect(condition(await gardenlet.extension(), 'FluxBootstrapped')?.status).toBe('True');
    const after = (await gardenlet.flux.readObject(
      'source.toolkit.fluxcd.io',
      'gitrepositories',
      ns,
      'flux-system',
    )) as typeof before;
    expect(after.metadata).toMatchObject({
      generation: before.metadata.generation,
      uid: before.metadata.uid,
    });

    await gardenlet.deleteExtension();
    await expect
      .poll(async () => {
        try {
          await gardenlet.extension();
          return 'present';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
    expect(
      await gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'),
    ).toBeDefined();
  });

  it('bootstraps a legacy kind-less template with a deprecation warning', async () => {
    const gardenlet = await bootstrappedShoot((ns) => ({
      flux: { namespace: ns },
      source: {
        template: { spec: { url: 'https://git.example.com/org/repo.git', ref: { branch: 'main' } } },
      },
      kustomization: { template: { spec: { path: './' } } },
    }));
    const warnings = (await gardenlet.events())
      .filter((e) => e.type === 'Warning')
      .map((e) => e.message ?? '');
    expect(warnings.some((m) => m.includes('source.template'))).toBe(true);
  });

  it('retries while the shoot API server is unreachable and finishes once it is back', async () => {
    const gardenlet = shoots.create();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    const good = (
      await gardenlet.core.readNamespacedSecret({ name: 'gardener', namespace: gardenlet.namespace })
    ).data?.kubeconfig;
    const broken = Buffer.from(good ?? '', 'base64')
      .toString()
      .replace(/https:\/\/127\.0\.0\.1:\d+/, 'https://127.0.0.1:1');
    await gardenlet.writeSecret('gardener', { kubeconfig: broken });
    await gardenlet.startKubelet();
    await gardenlet.createExtension(
      gitConfig(ns, { additionalSecretResources: [], source: undefined, kustomization: undefined }),
    );
    await expect.poll(async () => (await gardenlet.extension()).status?.lastOperation?.state).toBe('Error');
    await gardenlet.writeSecret('gardener', { kubeconfig: Buffer.from(good ?? '', 'base64').toString() });
    await gardenlet.annotate();
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
  });

  it('resumes after a controller restart mid-bootstrap without redoing finished steps', async () => {
    const gardenlet = shoots.create();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    const first = await startShootFluxManager();
    // The file's manager must not take part: stop it for this test, start it again afterwards.
    await manager.stop();
    try {
      await gardenlet.createExtension(publicGitConfig(ns));
      await expect
        .poll(() =>
          gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'),
        )
        .toBeDefined();
      await expect
        .poll(async () => (await gardenlet.extension()).status?.state)
        .toMatchObject({ flux: { installHash: expect.any(String) as unknown } });
      const source = (await gardenlet.flux.readObject(
        'source.toolkit.fluxcd.io',
        'gitrepositories',
        ns,
        'flux-system',
      )) as {
        metadata: { uid: string; generation: number };
      };
      await first.stop();

      const second = await startShootFluxManager();
      try {
        await gardenlet.annotate();
        await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
        await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
        await expect
          .poll(async () => evaluateExtensionReadiness(await gardenlet.extension()))
          .toBeUndefined();
      } finally {
        await second.stop();
      }
      const after = (await gardenlet.flux.readObject(
        'source.toolkit.fluxcd.io',
        'gitrepositories',
        ns,
        'flux-system',
      )) as typeof source;
      expect(after.metadata).toMatchObject({
        uid: source.metadata.uid,
        generation: source.metadata.generation,
      });
      const installs = (
        await gardenlet.core.listNamespacedEvent({ namespace: gardenlet.namespace })
      ).items.filter((e) => e.reason === 'FluxInstalled');
      expect(installs.map((e) => e.count ?? 1)).toEqual([1]);
    } finally {
      manager = await startShootFluxManager();
    }
  });
});
