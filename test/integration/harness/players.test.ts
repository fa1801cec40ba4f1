// The test players themselves against the run's real API servers: the gardenlet player removes
// everything it wrote (also an Extension whose controller left its finalizer), the namespace
// removal plays the namespace controller the test control planes lack, and the Flux player's
// status writes are what the readiness rules of the extension read.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it, onTestFinished } from 'vitest';
import { FluxPlayer, fluxReadyConditions } from '../../harness/flux-player.js';
import { Gardenlet } from '../../harness/gardenlet.js';
import { removeNamespace } from '../../harness/namespace-removal.js';
import { clusterKubeConfig, shootAccessKubeconfig } from '../support/clusters.js';

const seed = clusterKubeConfig('seed');
const shoot = clusterKubeConfig('shoot');

async function namespaceExists(name: string): Promise<boolean> {
  return seed
    .makeApiClient(CoreV1Api)
    .readNamespace({ name })
    .then(
      () => true,
      () => false,
    );
}

describe('test players', () => {
  it('gardenlet writes a shoot as gardenlet does and removes all of it, finalizer or not', async () => {
    const gardenlet = new Gardenlet(seed, {
      extensionType: `players-${randomBytes(3).toString('hex')}`,
      shootAccessKubeconfig: shootAccessKubeconfig(),
    });
    onTestFinished(() => gardenlet.remove());
    await gardenlet.createShoot({ name: 'players', projectNamespace: 'garden-it' });
    await gardenlet.writeSecret('ref-git', { password: 'one' });
    await gardenlet.writeSecret('ref-git', { password: 'two' });
    await gardenlet.createExtension({ a: 1 });
    // As a controller leaves it: its finalizer on the Extension, and an Event.
    await gardenlet.patchExtension({ metadata: { finalizers: ['extensions.gardener.cloud/players'] } });
    await gardenlet.core.createNamespacedEvent({
      namespace: gardenlet.namespace,
      body: {
        metadata: { name: 'players.1' },
        involvedObject: { kind: 'Extension', name: 'shoot-flux', namespace: gardenlet.namespace },
        reason: 'Test',
        message: 'written by a controller',
      },
    });
    await gardenlet.annotate('restore');

    const extension = await gardenlet.extension();
    expect(extension.spec).toMatchObject({ type: gardenlet.extensionType, providerConfig: { a: 1 } });
    expect(extension.metadata.annotations?.['gardener.cloud/operation']).toBe('restore');
    const secret = await gardenlet.core.readNamespacedSecret({
      name: 'ref-git',
      namespace: gardenlet.namespace,
    });
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('two');
    const access = await gardenlet.core.readNamespacedSecret({
      name: 'gardener',
      namespace: gardenlet.namespace,
    });
    expect(Buffer.from(access.data?.kubeconfig ?? '', 'base64').toString()).toBe(shootAccessKubeconfig());
    const cluster = (await gardenlet.custom.getClusterCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      plural: 'clusters',
      name: gardenlet.namespace,
    })) as { spec: { shoot: { metadata: { name: string } } } };
    expect(cluster.spec.shoot.metadata.name).toBe('players');

    await gardenlet.remove();
    expect(await namespaceExists(gardenlet.namespace)).toBe(false);
    expect(await gardenlet.readExtension()).toBeUndefined();
    const clusters = (await gardenlet.custom.listClusterCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      plural: 'clusters',
    })) as { items: { metadata: { name: string } }[] };
    expect(clusters.items.map((c) => c.metadata.name)).not.toContain(gardenlet.namespace);
    // Nothing of the namespace is left in cluster-wide lists either.
    const core = seed.makeApiClient(CoreV1Api);
    const left = [
      ...(await core.listSecretForAllNamespaces()).items,
      ...(await core.listEventForAllNamespaces()).items,
    ].filter((o) => o.metadata?.namespace === gardenlet.namespace);
    expect(left).toEqual([]);
    // Removing again is fine.
    await gardenlet.remove();
  });

  it('namespace removal finishes a namespace someone already deleted (Terminating without a namespace controller)', async () => {
    const name = `players-${randomBytes(4).toString('hex')}`;
    const core = seed.makeApiClient(CoreV1Api);
    onTestFinished(() => removeNamespace(seed, name));
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'left' } } });
    await core.deleteNamespace({ name });
    expect((await core.readNamespace({ name })).status?.phase).toBe('Terminating');

    await removeNamespace(seed, name);
    expect(await namespaceExists(name)).toBe(false);
    const configMaps = await core.listConfigMapForAllNamespaces();
    expect(configMaps.items.filter((c) => c.metadata?.namespace === name)).toEqual([]);
  });

  it('Flux writes Ready for the current generation, or a status of an older one', async () => {
    const namespace = `players-${randomBytes(4).toString('hex')}`;
    const core = shoot.makeApiClient(CoreV1Api);
    onTestFinished(() => removeNamespace(shoot, namespace));
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await shoot.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'kustomize.toolkit.fluxcd.io',
      version: 'v1',
      namespace,
      plural: 'kustomizations',
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'flux-system' },
        spec: {
          interval: '1m',
          path: './',
          prune: true,
          sourceRef: { kind: 'GitRepository', name: 'flux-system' },
        },
      },
    });
    const flux = new FluxPlayer(shoot);
    const read = async () =>
      (await flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', namespace, 'flux-system')) as {
        metadata: { generation: number };
        status?: { observedGeneration?: number; lastAppliedRevision?: string; conditions?: unknown[] };
      };
    expect(await flux.generationOf('kustomizations', namespace, 'flux-system')).toBe(1);

    await flux.setStatus('kustomizations', 'flux-system', namespace, fluxReadyConditions, {
      extra: { lastAppliedRevision: 'main@sha1:1' },
    });
    expect((await read()).status).toMatchObject({
      observedGeneration: 1,
      lastAppliedRevision: 'main@sha1:1',
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: 1 }],
    });

    await flux.setStatus('kustomizations', 'flux-system', namespace, fluxReadyConditions, { observe: false });
    expect((await read()).status?.conditions).toMatchObject([{ type: 'Ready', observedGeneration: 0 }]);
    expect(await flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', namespace, 'absent')).toBe(
      undefined,
    );
  });

  it('the Flux loop marks every unobserved source and Kustomization Ready until stopped', async () => {
    const namespace = `players-${randomBytes(4).toString('hex')}`;
    const core = shoot.makeApiClient(CoreV1Api);
    onTestFinished(() => removeNamespace(shoot, namespace));
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await shoot.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'source.toolkit.fluxcd.io',
      version: 'v1',
      namespace,
      plural: 'gitrepositories',
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'flux-system' },
        spec: { url: 'https://git.example.com/r.git', interval: '1m', ref: { branch: 'main' } },
      },
    });
    const flux = new FluxPlayer(shoot);
    const loop = flux.startReadyLoop();
    onTestFinished(() => {
      loop.stop();
    });
    const observed = async () =>
      (
        (await flux.readObject('source.toolkit.fluxcd.io', 'gitrepositories', namespace, 'flux-system')) as {
          status?: { observedGeneration?: number };
        }
      ).status?.observedGeneration;
    await expect.poll(observed).toBe(1);
    loop.stop();
    expect(loop.errors()).toEqual([]);
  });
});
