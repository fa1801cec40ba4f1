import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.js';

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('test control plane', () => {
  let plane: ControlPlane;
  let pids: number[];

  beforeAll(async () => {
    plane = await startControlPlane({ name: 'harness', crds: ['gardener', 'flux'] });
    pids = plane.pids;
  });

  afterAll(async () => {
    await plane.stop();
  });

  it('serves the Gardener and Flux CRDs with their real schemas', async () => {
    const core = plane.kubeConfig.makeApiClient(CoreV1Api);
    const custom = plane.kubeConfig.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: 'shoot--it--harness' } } });

    const gitRepository: unknown = await custom.createNamespacedCustomObject({
      group: 'source.toolkit.fluxcd.io',
      version: 'v1',
      namespace: 'shoot--it--harness',
      plural: 'gitrepositories',
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'flux-system' },
        spec: { url: 'https://example.com/repo.git', interval: '1m', ref: { branch: 'main' } },
      },
    });
    expect(gitRepository).toMatchObject({ spec: { url: 'https://example.com/repo.git' } });

    await custom.createNamespacedCustomObject({
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      namespace: 'shoot--it--harness',
      plural: 'extensions',
      body: {
        apiVersion: 'extensions.gardener.cloud/v1alpha1',
        kind: 'Extension',
        metadata: { name: 'shoot-flux' },
        spec: {
          type: 'shoot-flux',
          providerConfig: { apiVersion: 'flux.extensions.gardener.cloud/v1alpha1' },
        },
      },
    });

    // The CRD's OpenAPI schema requires spec.interval and limits the URL scheme.
    const invalid = custom.createNamespacedCustomObject({
      group: 'source.toolkit.fluxcd.io',
      version: 'v1',
      namespace: 'shoot--it--harness',
      plural: 'gitrepositories',
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'invalid' },
        spec: { url: 'git@example.com:org/repo' },
      },
    });
    await expect(invalid).rejects.toSatisfy((err) => err instanceof ApiException && err.code === 422);
  });

  it('updates status through the status subresource only', async () => {
    const custom = plane.kubeConfig.makeApiClient(CustomObjectsApi);
    const target = {
      group: 'extensions.gardener.cloud',
      version: 'v1alpha1',
      namespace: 'shoot--it--harness',
      plural: 'extensions',
      name: 'shoot-flux',
    };
    const lastOperation = {
      type: 'Reconcile',
      state: 'Succeeded',
      progress: 100,
      description: 'done',
      lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    // A status change through the main resource is ignored by the API server ...
    await custom.patchNamespacedCustomObject(
      { ...target, body: { status: { lastOperation } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await custom.getNamespacedCustomObject(target)).not.toHaveProperty('status.lastOperation');
    // ... and applied through /status.
    await custom.patchNamespacedCustomObjectStatus(
      { ...target, body: { status: { lastOperation } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(await custom.getNamespacedCustomObject(target)).toMatchObject({ status: { lastOperation } });
  });

  it('leaves no process behind when stopped', async () => {
    expect(pids.length).toBeGreaterThanOrEqual(2);
    const planePids = pids.filter(isRunning);
    await plane.stop();
    for (const pid of planePids) expect(isRunning(pid)).toBe(false);
  });
});
