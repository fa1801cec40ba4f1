import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { startFluxControllers, type FluxControllers } from '../../harness/flux-controllers.js';
import { startGitServer, type BasicAuth, type GitServer } from '../../harness/git-server.js';
import { pushFluxArtifact } from '../../harness/oci-push.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { clusterKubeConfig, createTestNamespace } from '../support/clusters.js';

// Real source-controller and kustomize-controller against the run's shoot control plane, fed by
// a Git server and an OCI registry on loopback. The controllers only reconcile objects carrying
// this file's label, so other test files on the same control plane keep playing Flux themselves.
const selectorKey = 'test.shoot-flux.gardener.cloud/flux-real';
const selectorValue = randomBytes(4).toString('hex');
const labels = { [selectorKey]: selectorValue };

const gitAuth: BasicAuth = { username: 'git-user', password: randomBytes(8).toString('hex') };
const registryAuth: BasicAuth = { username: 'oci-user', password: randomBytes(8).toString('hex') };

/** A ConfigMap manifest whose value Flux substitutes from the `cluster_name` variable. */
const configMapManifest = [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: from-source',
  'data:',
  '  cluster: ${cluster_name}',
  '  static: "yes"',
  '',
].join('\n');

interface FluxObject {
  metadata: { generation?: number };
  status?: {
    observedGeneration?: number;
    artifact?: { revision?: string; url?: string; digest?: string };
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

function readyCondition(object: FluxObject) {
  return object.status?.conditions?.find((c) => c.type === 'Ready');
}

describe('real Flux on the host, with sources on loopback', () => {
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let git: GitServer;
  let registry: OciRegistry;
  let flux: FluxControllers;
  const stoppers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    kubeConfig = clusterKubeConfig('shoot');
    core = kubeConfig.makeApiClient(CoreV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    // Whatever started is stopped again, even when another piece fails to start.
    const started = <T extends { stop: () => Promise<void> }>(piece: T): T => {
      stoppers.push(() => piece.stop());
      return piece;
    };
    [git, registry, flux] = await Promise.all([
      startGitServer({ auth: gitAuth }).then(started),
      startOciRegistry({ auth: registryAuth }).then(started),
      startFluxControllers({
        kubeconfigPath: inject('shootKubeconfig'),
        watchLabelSelector: `${selectorKey}=${selectorValue}`,
      }).then(started),
    ]);
  });

  afterAll(async () => {
    await Promise.all(stoppers.map((stop) => stop()));
  });

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      process.stderr.write(`${flux.logs(80)}\n--- docker-registry (last lines) ---\n${registry.logs()}\n`);
      process.stderr.write(`git requests: ${JSON.stringify(git.requests().slice(-10))}\n`);
    });
  });

  const flux$ = (group: 'source' | 'kustomize', plural: string, namespace: string) => ({
    group: `${group}.toolkit.fluxcd.io`,
    version: 'v1',
    namespace,
    plural,
  });

  async function createBasicAuthSecret(namespace: string, name: string, auth: BasicAuth): Promise<void> {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name }, stringData: { username: auth.username, password: auth.password } },
    });
  }

  async function createGitRepository(namespace: string, name: string, url: string, secretName: string) {
    await custom.createNamespacedCustomObject({
      ...flux$('source', 'gitrepositories', namespace),
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name, labels },
        spec: {
          url,
          interval: '1m',
          timeout: '20s',
          ref: { branch: 'main' },
          secretRef: { name: secretName },
        },
      },
    });
  }

  async function createKustomization(
    namespace: string,
    name: string,
    sourceRef: { kind: 'GitRepository' | 'OCIRepository'; name: string },
  ): Promise<void> {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'cluster-vars' }, data: { cluster_name: `shoot-${namespace}` } },
    });
    await custom.createNamespacedCustomObject({
      ...flux$('kustomize', 'kustomizations', namespace),
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name, labels },
        spec: {
          interval: '1m',
          path: './',
          prune: true,
          sourceRef,
          targetNamespace: namespace,
          // No wait or health checks: nothing runs Pods here.
          postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'cluster-vars' }] },
        },
      },
    });
  }

  const read = (target: ReturnType<typeof flux$>, name: string) =>
    custom.getNamespacedCustomObject({ ...target, name }) as Promise<FluxObject>;

  it('fetches a GitRepository over smart HTTP with basic auth into a Ready artifact', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'flux-real');
    const commit = await git.createRepository(`git-${namespace}`, {
      'deploy/configmap.yaml': configMapManifest,
    });
    await createBasicAuthSecret(namespace, 'git-credentials', gitAuth);
    await createGitRepository(namespace, 'flux-system', git.url(`git-${namespace}`), 'git-credentials');

    const source = flux$('source', 'gitrepositories', namespace);
    await expect.poll(async () => readyCondition(await read(source, 'flux-system'))?.status).toBe('True');
    const repository = await read(source, 'flux-system');
    expect(repository.status?.artifact?.revision).toBe(`main@sha1:${commit}`);
    expect(repository.status?.artifact?.url).toMatch(
      new RegExp(`^http://${flux.storageAddress}/gitrepository/${namespace}/flux-system/`),
    );
    expect(repository.status?.observedGeneration).toBe(repository.metadata.generation);
    // It did present the credentials: the server refused nothing after the first challenge.
    expect(git.requests().some((r) => r.path.startsWith(`/git-${namespace}.git`) && r.status === 200)).toBe(
      true,
    );
  });

  it('applies a Kustomization from the GitRepository, substituting from a ConfigMap', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'flux-real');
    await git.createRepository(`git-${namespace}`, { 'deploy/configmap.yaml': configMapManifest });
    await createBasicAuthSecret(namespace, 'git-credentials', gitAuth);
    await createGitRepository(namespace, 'flux-system', git.url(`git-${namespace}`), 'git-credentials');
    await createKustomization(namespace, 'flux-system', { kind: 'GitRepository', name: 'flux-system' });

    const configMap = () =>
      core.readNamespacedConfigMap({ namespace, name: 'from-source' }).then(
        (c) => c.data,
        () => undefined,
      );
    await expect.poll(configMap).toEqual({ cluster: `shoot-${namespace}`, static: 'yes' });
    const kustomizations = flux$('kustomize', 'kustomizations', namespace);
    await expect
      .poll(async () => readyCondition(await read(kustomizations, 'flux-system'))?.status)
      .toBe('True');
  });

  it('pulls an OCIRepository (insecure, tag ref, dockerconfigjson auth) that a Kustomization applies', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'flux-real');
    const pushed = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: `manifests/${namespace}`,
      tag: 'v1.0.0',
      files: { 'deploy/configmap.yaml': configMapManifest },
      source: git.url('example'),
      revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
      auth: registryAuth,
    });
    const basic = Buffer.from(`${registryAuth.username}:${registryAuth.password}`).toString('base64');
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'registry-credentials' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: {
          '.dockerconfigjson': JSON.stringify({
            auths: {
              [registry.host]: {
                username: registryAuth.username,
                password: registryAuth.password,
                auth: basic,
              },
            },
          }),
        },
      },
    });
    await custom.createNamespacedCustomObject({
      ...flux$('source', 'ocirepositories', namespace),
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        metadata: { name: 'flux-system', labels },
        spec: {
          url: pushed.url,
          ref: { tag: 'v1.0.0' },
          interval: '1m',
          timeout: '20s',
          insecure: true,
          secretRef: { name: 'registry-credentials' },
        },
      },
    });
    await createKustomization(namespace, 'flux-system', { kind: 'OCIRepository', name: 'flux-system' });

    const source = flux$('source', 'ocirepositories', namespace);
    await expect.poll(async () => readyCondition(await read(source, 'flux-system'))?.status).toBe('True');
    expect((await read(source, 'flux-system')).status?.artifact?.revision).toBe(pushed.revision);
    await expect
      .poll(() =>
        core.readNamespacedConfigMap({ namespace, name: 'from-source' }).then(
          (c) => c.data?.cluster,
          () => undefined,
        ),
      )
      .toBe(`shoot-${namespace}`);
  });

  it('reports Flux authentication failures as Ready=False, and recovers once the secret is fixed', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'flux-real');
    await git.createRepository(`git-${namespace}`, { 'deploy/configmap.yaml': configMapManifest });
    await createBasicAuthSecret(namespace, 'git-credentials', { ...gitAuth, password: 'wrong' });
    await createGitRepository(namespace, 'flux-system', git.url(`git-${namespace}`), 'git-credentials');

    const source = flux$('source', 'gitrepositories', namespace);
    await expect
      .poll(async () => readyCondition(await read(source, 'flux-system')))
      .toMatchObject({
        status: 'False',
        reason: 'GitOperationFailed',
      });
    expect(readyCondition(await read(source, 'flux-system'))?.message).toMatch(/authentication required/i);
    expect((await read(source, 'flux-system')).status?.artifact).toBeUndefined();

    await core.replaceNamespacedSecret({
      namespace,
      name: 'git-credentials',
      body: {
        metadata: { name: 'git-credentials' },
        stringData: { username: gitAuth.username, password: gitAuth.password },
      },
    });
    await expect.poll(async () => readyCondition(await read(source, 'flux-system'))?.status).toBe('True');
  });

  it('reports a registry authentication failure of an OCIRepository as Ready=False', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'flux-real');
    const pushed = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: `manifests/${namespace}`,
      tag: 'v1.0.0',
      files: { 'deploy/configmap.yaml': configMapManifest },
      auth: registryAuth,
    });
    const wrong = Buffer.from(`${registryAuth.username}:wrong`).toString('base64');
    await core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'registry-credentials' },
        type: 'kubernetes.io/dockerconfigjson',
        stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { auth: wrong } } }) },
      },
    });
    await custom.createNamespacedCustomObject({
      ...flux$('source', 'ocirepositories', namespace),
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        metadata: { name: 'flux-system', labels },
        spec: {
          url: pushed.url,
          ref: { tag: 'v1.0.0' },
          interval: '1m',
          insecure: true,
          secretRef: { name: 'registry-credentials' },
        },
      },
    });
    const source = flux$('source', 'ocirepositories', namespace);
    await expect
      .poll(async () => readyCondition(await read(source, 'flux-system')))
      .toMatchObject({
        status: 'False',
        reason: 'OCIArtifactPullFailed',
      });
    expect(readyCondition(await read(source, 'flux-system'))?.message).toMatch(
      /UNAUTHORIZED: authentication required/,
    );
    expect((await read(source, 'flux-system')).status?.artifact).toBeUndefined();
  });
});
