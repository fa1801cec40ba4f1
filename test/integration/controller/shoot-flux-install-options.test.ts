import { AppsV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import { fluxReadyConditions } from '../../harness/flux-player.js';
import { useTestShoots, gitConfig, startShootFluxManager } from './shoot-flux-support.js';

// The `flux install` options, the landscape's enforced registry and the Kubernetes-version
// preflight, through the real manager against real API servers. Extensions of a type of their own.
const extensionType = 'shoot-flux-install-options';
const mirror = 'mirror.example.com/fluxcd';

const pullSecretResource = {
  name: 'registry-credentials',
  resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'regcred' },
};

describe('shoot-flux install options', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({ extensionType, landscape: { enforceRegistry: mirror } });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('refuses Flux v2.9.2 on a Kubernetes 1.32 shoot at flux.version and writes nothing to the shoot', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot({ kubernetesVersion: '1.32.0' });
    await gardenlet.createExtension({ flux: { namespace: gardenlet.fluxNamespace, version: 'v2.9.2' } });
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    const description = (await gardenlet.extension()).status?.lastError?.description ?? '';
    expect(description).toContain('flux.version');
    expect(description).toContain('v2.9.2');
    expect(description).toContain('1.32.0');
    await expect(gardenlet.shootCore.readNamespace({ name: gardenlet.fluxNamespace })).rejects.toThrow();
  });

  it('installs with tolerations, a resources patch, the pull secret and the enforced registry', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot({
      kubernetesVersion: '1.35.4',
      resources: [
        {
          name: 'git-credentials',
          resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-basic-auth' },
        },
        { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
        pullSecretResource,
      ],
    });
    await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 's3cret' });
    await gardenlet.writeSecret('ref-extra-secret', { token: 'extra' });
    await gardenlet.writeSecret(
      'ref-regcred',
      { '.dockerconfigjson': '{"auths":{}}' },
      'kubernetes.io/dockerconfigjson',
    );
    await gardenlet.startKubelet();
    await gardenlet.createExtension(
      gitConfig(ns, {
        flux: {
          namespace: ns,
          registry: 'ghcr.io/fluxcd',
          tolerationKeys: ['dedicated'],
          imagePullSecret: 'registry-credentials',
          patches: [
            {
              target: { kind: 'Deployment' },
              patch:
                'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: all\nspec:\n  template:\n    spec:\n      containers:\n        - name: manager\n          resources:\n            limits:\n              memory: 3Gi\n',
            },
          ],
        },
      }),
    );
    await expect
      .poll(() => gardenlet.flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', ns, 'flux-system'))
      .toBeDefined();
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await expect
      .poll(() =>
        gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'),
      )
      .toBeDefined();
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();

    const apps = gardenlet.shoot.makeApiClient(AppsV1Api);
    const deployments = (await apps.listNamespacedDeployment({ namespace: ns })).items;
    expect(deployments.map((d) => d.metadata?.name).sort()).toEqual([
      'helm-controller',
      'kustomize-controller',
      'notification-controller',
      'source-controller',
    ]);
    for (const deployment of deployments) {
      const pod = deployment.spec?.template.spec;
      expect(pod?.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
      expect(pod?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(pod?.containers[0]?.resources?.limits).toMatchObject({ memory: '3Gi' });
      expect(pod?.containers[0]?.image).toMatch(new RegExp(`^${mirror}/${deployment.metadata?.name ?? ''}:`));
    }
    const pullSecret = await gardenlet.shootCore.readNamespacedSecret({ name: 'regcred', namespace: ns });
    expect(pullSecret.type).toBe('kubernetes.io/dockerconfigjson');

    const extension = await gardenlet.extension();
    const warning = extension.status?.conditions?.find((c) => c.type === 'ConfigWarnings');
    expect(warning).toMatchObject({ status: 'True', reason: 'ProviderConfigWarnings' });
    expect(warning?.message).toContain(`replaced by ${mirror}`);
    const events = await gardenlet.events();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'Warning', message: expect.stringContaining(mirror) as string }),
    );
  });

  it('reports a pull secret that is no dockerconfigjson and a patch that targets nothing at their fields', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot({ kubernetesVersion: '1.35.4', resources: [pullSecretResource] });
    await gardenlet.writeSecret('ref-regcred', { token: 'not-a-docker-config' });
    await gardenlet.createExtension({ flux: { namespace: ns, imagePullSecret: 'registry-credentials' } });
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.description ?? '')
      .toContain('flux.imagePullSecret');
    expect((await gardenlet.extension()).status?.lastError?.description).toContain(
      'must be kubernetes.io/dockerconfigjson',
    );

    await gardenlet.patchExtension({
      spec: {
        providerConfig: {
          flux: {
            namespace: ns,
            imagePullSecret: null,
            patches: [{ target: { kind: 'StatefulSet' }, patch: '- op: remove\n  path: /spec/replicas\n' }],
          },
        },
      },
    });
    await gardenlet.annotate();
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.description ?? '')
      .toContain('flux.patches[0]');
    const extension = await gardenlet.extension();
    expect(extension.status?.lastError?.codes).toEqual(['ERR_CONFIGURATION_PROBLEM']);
    expect(extension.status?.lastError?.description).toContain('targets no object');
  });
});
