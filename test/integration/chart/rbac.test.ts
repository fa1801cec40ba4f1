// The chart's RBAC is what the controller needs, no more: a ServiceAccount bound to exactly the
// rendered ClusterRole and Role gets a token (TokenRequest), and (1) the API server's own
// authorizer answers what it may and may not do, (2) the built controller runs under it and
// reconciles Extensions without a single 403.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AuthorizationV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1RoleBinding,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { repoRoot } from '../../harness/assets.js';
import { Gardenlet } from '../../harness/gardenlet.js';
import { removeNamespace } from '../../harness/namespace-removal.js';
import { clusterKubeConfig } from '../support/clusters.js';
import { onlyObject, renderChart } from './helm.js';

const hasRunCommand = buildProgram().commands.some((c) => c.name() === 'run');
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');

describe('the chart RBAC', () => {
  const admin = clusterKubeConfig('seed');
  const suffix = randomBytes(4).toString('hex');
  const releaseNamespace = `extension-shoot-flux-${suffix}`;
  const leaderElectionId = `shoot-flux-leader-election`;
  let controller: KubeConfig;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'shoot-flux-rbac-'));
    const core = admin.makeApiClient(CoreV1Api);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespace({ body: { metadata: { name: releaseNamespace } } });
    const objects = await renderChart(releaseNamespace);
    // Unique cluster-scoped names, so parallel runs and other tests never share these objects.
    const clusterName = `gardener-extension-shoot-flux-${suffix}`;
    const clusterRole = onlyObject(objects, 'ClusterRole');
    const clusterRoleBinding = onlyObject(objects, 'ClusterRoleBinding');
    await core.createNamespacedServiceAccount({
      namespace: releaseNamespace,
      body: { metadata: { name: 'gardener-extension-shoot-flux' } },
    });
    await rbac.createClusterRole({
      body: { ...clusterRole, metadata: { name: clusterName } },
    });
    await rbac.createClusterRoleBinding({
      body: {
        ...clusterRoleBinding,
        metadata: { name: clusterName },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      },
    });
    await rbac.createNamespacedRole({
      namespace: releaseNamespace,
      body: onlyObject(objects, 'Role'),
    });
    await rbac.createNamespacedRoleBinding({
      namespace: releaseNamespace,
      body: onlyObject(objects, 'RoleBinding') as unknown as V1RoleBinding,
    });
    const token = await core.createNamespacedServiceAccountToken({
      name: 'gardener-extension-shoot-flux',
      namespace: releaseNamespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = admin.getCurrentCluster();
    if (!cluster || !token.status?.token) throw new Error('no cluster or no token');
    const user = `shoot-flux-sa-${suffix}`; // unique: client-node caches credentials by user name
    const kubeconfigPath = path.join(work, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      yaml.dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'seed', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } },
        ],
        users: [{ name: user, user: { token: token.status.token } }],
        contexts: [{ name: 'seed', context: { cluster: 'seed', user } }],
        'current-context': 'seed',
      }),
      { mode: 0o600 },
    );
    controller = new KubeConfig();
    controller.loadFromFile(kubeconfigPath);
  });

  afterAll(async () => {
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    const name = `gardener-extension-shoot-flux-${suffix}`;
    await rbac.deleteClusterRoleBinding({ name }).catch(() => undefined);
    await rbac.deleteClusterRole({ name }).catch(() => undefined);
    await removeNamespace(admin, releaseNamespace);
    await rm(work, { recursive: true, force: true });
  });

  /** Whether the controller's ServiceAccount may do something, as the API server's authorizer says. */
  async function may(attributes: {
    verb: string;
    group?: string;
    resource: string;
    subresource?: string;
    namespace?: string;
    name?: string;
  }): Promise<boolean> {
    const review = await controller.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: { spec: { resourceAttributes: { group: '', ...attributes } } },
    });
    return review.status?.allowed === true;
  }

  it('lets the ServiceAccount do what the controller does', async () => {
    const ext = { group: 'extensions.gardener.cloud' };
    const allowed = [
      { ...ext, verb: 'watch', resource: 'extensions' },
      { ...ext, verb: 'patch', resource: 'extensions', namespace: 'shoot--a--b' },
      { ...ext, verb: 'patch', resource: 'extensions', subresource: 'status', namespace: 'shoot--a--b' },
      { ...ext, verb: 'get', resource: 'clusters', name: 'shoot--a--b' },
      { verb: 'get', resource: 'secrets', namespace: 'shoot--a--b', name: 'gardener' },
      { verb: 'create', resource: 'events', namespace: 'shoot--a--b' },
      { verb: 'create', group: 'events.k8s.io', resource: 'events', namespace: 'shoot--a--b' },
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: releaseNamespace },
      ...['get', 'update'].flatMap((verb) =>
        [leaderElectionId, 'gardener-extension-heartbeat'].map((name) => ({
          verb,
          group: 'coordination.k8s.io',
          resource: 'leases',
          namespace: releaseNamespace,
          name,
        })),
      ),
    ];
    for (const attributes of allowed) expect(await may(attributes), JSON.stringify(attributes)).toBe(true);
  });

  it('denies the ServiceAccount what the controller never does', async () => {
    const denied = [
      { verb: 'create', resource: 'secrets', namespace: 'shoot--a--b' },
      { verb: 'delete', resource: 'secrets', namespace: 'shoot--a--b' },
      {
        verb: 'delete',
        group: 'extensions.gardener.cloud',
        resource: 'extensions',
        namespace: 'shoot--a--b',
      },
      {
        verb: 'create',
        group: 'extensions.gardener.cloud',
        resource: 'extensions',
        namespace: 'shoot--a--b',
      },
      { verb: 'patch', group: 'extensions.gardener.cloud', resource: 'clusters', name: 'shoot--a--b' },
      { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: 'kube-system' },
      {
        verb: 'update',
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: releaseNamespace,
        name: 'other',
      },
      { verb: 'list', group: 'apps', resource: 'deployments', namespace: releaseNamespace },
    ];
    for (const attributes of denied) expect(await may(attributes), JSON.stringify(attributes)).toBe(false);
  });

  describe.skipIf(!hasRunCommand)('the controller under exactly these rules', () => {
    let child: ChildProcess | undefined;
    let output = '';

    beforeAll(() => {
      if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
      child = spawn(
        process.execPath,
        [
          cli,
          'run',
          `--kubeconfig=${path.join(work, 'kubeconfig')}`,
          '--leader-election=true',
          `--leader-election-namespace=${releaseNamespace}`,
          `--heartbeat-namespace=${releaseNamespace}`,
          '--metrics-bind-address=127.0.0.1:0',
          '--health-bind-address=127.0.0.1:0',
          '--log-level=debug',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const collect = (chunk: Buffer) => (output += chunk.toString('utf8'));
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
    });

    afterAll(async () => {
      if (child?.exitCode === null) {
        const exited = new Promise((resolve) => child?.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    });

    it('takes the leader and heartbeat Leases and reconciles an Extension without a 403', async () => {
      const gardenlet = new Gardenlet(admin);
      onTestFinished(() => gardenlet.remove());
      // Play gardenlet: a hibernated shoot's Cluster and its Extension, annotated for reconcile.
      await gardenlet.createShoot({ name: 'rbac', projectNamespace: 'garden-it', hibernated: true });
      await gardenlet.createExtension({
        apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
        kind: 'FluxConfig',
        source: {
          template: {
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'GitRepository',
            spec: { url: 'https://example.com/repo.git', ref: { branch: 'main' } },
          },
        },
        kustomization: { template: { spec: { path: './clusters/rbac' } } },
      });
      await expect
        .poll(async () => (await gardenlet.extension()).status?.lastOperation?.state)
        .toBe('Succeeded');
      const leases = admin.makeApiClient(CoordinationV1Api);
      await expect
        .poll(async () =>
          (await leases.listNamespacedLease({ namespace: releaseNamespace })).items
            .map((l) => l.metadata?.name)
            .sort(),
        )
        .toEqual(['gardener-extension-heartbeat', leaderElectionId]);
      expect(output).not.toMatch(/\b403\b|forbidden/i);
    });
  });
});
