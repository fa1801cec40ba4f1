import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import type { Extension } from '../../../src/gardener/types.js';
import { startKubelet, type Kubelet } from '../../harness/kubelet.js';
import { Gardenlet, readyCondition, startShootFluxManager } from './shoot-flux-support.js';

const condition = (extension: Extension, type: string) =>
  extension.status?.conditions?.find((c) => c.type === type);

function gitConfig(fluxNamespace: string, overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    flux: { namespace: fluxNamespace },
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/org/repo.git', ref: { branch: 'main' } },
      },
      secretResourceName: 'git-credentials',
    },
    kustomization: { template: { spec: { path: './clusters/shoot' } } },
    additionalSecretResources: [{ name: 'extra' }],
    ...overrides,
  };
}

const shootResources = [
  { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-basic-auth' } },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
];

describe('shoot-flux actuator', () => {
  let manager: Manager;
  const kubelets: Kubelet[] = [];

  beforeAll(async () => {
    manager = await startShootFluxManager();
  });
  afterAll(async () => {
    for (const kubelet of kubelets) await kubelet.stop();
    await manager.stop();
  });

  async function bootstrappedShoot(config?: (fluxNamespace: string) => unknown): Promise<Gardenlet> {
    const gardenlet = new Gardenlet();
    await gardenlet.createShoot({ resources: shootResources });
    await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 's3cret' });
    await gardenlet.writeSecret('ref-extra-secret', { token: 'extra' });
    kubelets.push(await startKubelet(gardenlet.shoot, gardenlet.fluxNamespace));
    await gardenlet.createExtension(
      config ? config(gardenlet.fluxNamespace) : gitConfig(gardenlet.fluxNamespace),
    );
    await expect
      .poll(() =>
        gardenlet.shootObject(
          'source.toolkit.fluxcd.io',
          'gitrepositories',
          gardenlet.fluxNamespace,
          'flux-system',
        ),
      )
      .toBeDefined();
    await gardenlet.setFluxStatus('gitrepositories', 'flux-system', gardenlet.fluxNamespace, readyCondition);
    await expect
      .poll(() =>
        gardenlet.shootObject(
          'kustomize.toolkit.fluxcd.io',
          'kustomizations',
          gardenlet.fluxNamespace,
          'flux-system',
        ),
      )
      .toBeDefined();
    await gardenlet.setFluxStatus('kustomizations', 'flux-system', gardenlet.fluxNamespace, readyCondition);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
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
});
