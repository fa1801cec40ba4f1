import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FluxBundleLoader } from '../../../../src/flux/bundle-loader.js';
import { buildFluxInstallOptions } from '../../../../src/flux/install/options.js';
import { discardLogger } from '../../../../src/log/logger.js';
import { applyObject } from '../../../../src/kube/apply.js';
import { KubernetesApiError } from '../../../../src/kube/errors.js';
import { installFlux, type InstallFluxResult } from '../../../../src/controller/shoot-flux/flux-install.js';
import { KubeRawClient } from '../../../../src/kube/raw-client.js';
import { startControlPlane, type ControlPlane } from '../../../harness/control-plane.js';
import { findFluxBundleDir } from '../../../harness/testdata.js';

const controllers = [
  'helm-controller',
  'kustomize-controller',
  'notification-controller',
  'source-controller',
];
const namespace = 'flux-system';

describe('installFlux against a real kube-apiserver', () => {
  let plane: ControlPlane;
  let shoot: KubeRawClient;
  let bundlesDir: string;
  /** Every request the installer's client sent, as verbs. */
  const requests: string[] = [];
  const options = buildFluxInstallOptions();

  beforeAll(async () => {
    // A control plane of its own without Flux CRDs: the installer brings them.
    plane = await startControlPlane({ name: 'install' });
    shoot = new KubeRawClient(plane.kubeConfig, (verb) => requests.push(verb));
    bundlesDir = mkdtempSync(path.join(tmpdir(), 'flux-bundles-'));
    symlinkSync(findFluxBundleDir(), path.join(bundlesDir, options.version));
  });

  afterAll(async () => {
    await plane.stop();
    rmSync(bundlesDir, { recursive: true, force: true });
  });

  const install = (previousHash: string | undefined, signal: AbortSignal) =>
    installFlux({
      shoot,
      bundles: new FluxBundleLoader({ bases: [bundlesDir] }),
      options,
      previousHash,
      signal,
      logger: discardLogger,
    });

  // Reads are lists, gets, discovery and watches (the readiness wait watches when the first list
  // is not ready yet, which depends on timing); everything else is a write.
  const reads = new Set(['list', 'discover', 'get', 'watch']);
  const writes = () => requests.filter((verb) => !reads.has(verb));

  /** Plays kube-controller-manager: reports a Deployment's current generation as rolled out. */
  const rollOut = async (name: string, inNamespace = namespace) => {
    const path = `/apis/apps/v1/namespaces/${inNamespace}/deployments/${name}`;
    const { body } = await shoot.request({ method: 'GET', path, verb: 'get', object: name });
    const generation = (body as { metadata: { generation: number } }).metadata.generation;
    const now = new Date().toISOString();
    await shoot.request({
      method: 'PATCH',
      path: `${path}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          observedGeneration: generation,
          replicas: 1,
          updatedReplicas: 1,
          readyReplicas: 1,
          availableReplicas: 1,
          conditions: [
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              lastTransitionTime: now,
              lastUpdateTime: now,
            },
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              lastTransitionTime: now,
              lastUpdateTime: now,
            },
          ],
        },
      },
      verb: 'test-status',
      object: name,
    });
  };

  let first: InstallFluxResult;

  it('applies the rendered v2.9.2 manifests and reports ready once every controller is available', async () => {
    const controller = new AbortController();
    const pending = install(undefined, controller.signal);
    // The installer now waits by watching; play the Deployment controller for every Flux controller.
    await expect
      .poll(async () => {
        const { body } = await shoot.request({
          method: 'GET',
          path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
          verb: 'test-list',
          object: 'deployments',
        });
        return (body as { items: unknown[] }).items.length;
      })
      .toBe(controllers.length);
    for (const name of controllers) await rollOut(name);
    first = await pending;
    controller.abort();

    expect(first.applied).toBe(true);
    expect(first.readiness).toEqual({ ready: true, pending: [] });
    expect(first.objects).toHaveLength(32);
    expect(first.objects.every((o) => o.result === 'created')).toBe(true);
    // One server-side apply per object, nothing else written.
    expect(writes().filter((verb) => verb === 'apply')).toHaveLength(32);
    expect(writes().filter((verb) => verb !== 'apply' && !verb.startsWith('test-'))).toEqual([]);
    // The real CRDs were accepted and established.
    const { body } = await shoot.request({
      method: 'GET',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gitrepositories.source.toolkit.fluxcd.io',
      verb: 'test-get',
      object: 'crd',
    });
    expect((body as { metadata: { labels: Record<string, string> } }).metadata.labels).toMatchObject({
      'app.kubernetes.io/instance': namespace,
      'app.kubernetes.io/version': 'v2.9.2',
    });
  });

  it('sends no writes when the rendered set equals the last installed one', async () => {
    requests.length = 0;
    const again = await install(first.hash, AbortSignal.timeout(60_000));
    expect(again).toMatchObject({
      hash: first.hash,
      applied: false,
      objects: [],
      readiness: { ready: true },
    });
    expect(writes()).toEqual([]);
  });

  it('reports what is pending at the deadline instead of blocking past it', async () => {
    // Another manager changes the pod template: a new generation the (played) controller has not seen.
    await shoot.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${namespace}/deployments/helm-controller`,
      contentType: 'application/merge-patch+json',
      body: { spec: { template: { metadata: { annotations: { 'example.com/restarted': 'now' } } } } },
      verb: 'test-patch',
      object: 'helm-controller',
    });
    const late = await install(first.hash, AbortSignal.timeout(1_500));
    expect(late.readiness).toEqual({
      ready: false,
      pending: [`Deployment ${namespace}/helm-controller: generation 2 not observed yet (observed 1)`],
    });
    await rollOut('helm-controller');
  });

  it('re-applies an unchanged set as unchanged objects', async () => {
    const again = await install(undefined, AbortSignal.timeout(60_000));
    expect(again.applied).toBe(true);
    expect(again.readiness.ready).toBe(true);
    expect(again.objects.filter((o) => o.result !== 'unchanged')).toEqual([]);
  });

  it('applies again when an object of an unchanged set was deleted', async () => {
    const path = `/apis/apps/v1/namespaces/${namespace}/deployments/notification-controller`;
    await shoot.request({ method: 'DELETE', path, verb: 'test-delete', object: 'notification-controller' });
    const controller = new AbortController();
    const pending = install(first.hash, controller.signal);
    await expect
      .poll(async () => {
        try {
          await shoot.request({ method: 'GET', path, verb: 'test-get', object: 'notification-controller' });
          return true;
        } catch {
          return false;
        }
      })
      .toBe(true);
    await rollOut('notification-controller');
    const result = await pending;
    controller.abort();
    expect(result.applied).toBe(true);
    expect(result.readiness.ready).toBe(true);
    expect(
      result.objects.find((o) => o.object === `Deployment ${namespace}/notification-controller`)?.result,
    ).toBe('created');
  });

  it('names the object when the server does not serve its kind', async () => {
    const err = await applyObject(shoot, {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect(err).toMatchObject({ verb: 'apply', object: `Widget ${namespace}/w`, statusCode: 404 });
  });

  it('installs into a custom namespace with a registry and source-watcher', async () => {
    const custom = buildFluxInstallOptions({
      namespace: 'gitops',
      registry: 'registry.example.com/fluxcd',
      components: ['source-controller', 'kustomize-controller'],
      componentsExtra: ['source-watcher'],
    });
    const controller = new AbortController();
    const pending = installFlux({
      shoot,
      bundles: new FluxBundleLoader({ bases: [bundlesDir] }),
      options: custom,
      signal: controller.signal,
      logger: discardLogger,
    });
    const names = ['kustomize-controller', 'source-controller', 'source-watcher'];
    await expect
      .poll(async () => {
        const { body } = await shoot.request({
          method: 'GET',
          path: '/apis/apps/v1/namespaces/gitops/deployments',
          verb: 'test-list',
          object: 'deployments',
        });
        return (body as { items: unknown[] }).items.length;
      })
      .toBe(names.length);
    for (const name of names) await rollOut(name, 'gitops');
    const result = await pending;
    controller.abort();
    expect(result.readiness).toEqual({ ready: true, pending: [] });
    const { body } = await shoot.request({
      method: 'GET',
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/crd-controller-gitops',
      verb: 'test-get',
      object: 'binding',
    });
    const binding = body as { roleRef: { name: string }; subjects: { namespace: string }[] };
    expect(binding.roleRef.name).toBe('crd-controller-gitops');
    expect(new Set(binding.subjects.map((s) => s.namespace))).toEqual(new Set(['gitops']));
  });
});
