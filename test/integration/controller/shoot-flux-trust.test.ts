import { randomBytes } from 'node:crypto';
import {
  AppsV1Api,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import {
  type TestShoot,
  useTestShoots,
  gitConfig,
  startShootFluxManager,
  testShootResources,
} from './shoot-flux-support.js';

// Misuse and hostile input against real API servers: what the extension may delete, where it
// may write, which names reach a request path. Every shoot object here lives in the one shoot
// API server all tests share, so names are unique per test; the Extensions are of a type of their
// own, so this file's manager and the other files' never reconcile the same one.
const extensionType = 'shoot-flux-misuse';

const ownerAnnotation = 'flux.extensions.gardener.cloud/owner';
const managedBy = { 'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux' };

/** A secret as `kubectl get -o yaml` prints it and `kubectl apply` takes it back: everything but identity. */
function copyOf(secret: V1Secret, namespace: string, name = secret.metadata?.name): V1Secret {
  return {
    metadata: {
      name,
      namespace,
      labels: secret.metadata?.labels,
      annotations: secret.metadata?.annotations,
    },
    type: secret.type,
    data: secret.data,
  };
}

async function readSecretOrUndefined(gardenlet: TestShoot, namespace: string, name: string) {
  try {
    return await gardenlet.shootCore.readNamespacedSecret({ name, namespace });
  } catch {
    return undefined;
  }
}

describe('shoot-flux actuator on misuse', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({ extensionType });
  });
  afterAll(async () => {
    await manager.stop();
  });

  const bootstrappedShoot = () => shoots.bootstrap(undefined, extensionType);

  async function createShootNamespace(gardenlet: TestShoot, prefix: string): Promise<string> {
    const name = `${prefix}-${randomBytes(3).toString('hex')}`;
    await gardenlet.shootCore.createNamespace({ body: { metadata: { name } } });
    gardenlet.shootNamespaces.push(name);
    return name;
  }

  it('deletes a de-referenced secret it synced, and no copy or foreign secret with its label', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    const extension = await gardenlet.extension();
    const owner = `${gardenlet.namespace}/shoot-flux/${extension.metadata.uid ?? ''}`;
    expect(extension.status?.state).toMatchObject({
      secrets: {
        owner,
        synced: [
          { namespace: ns, name: 'extra-secret' },
          { namespace: ns, name: 'flux-system' },
        ],
      },
    });
    const synced = await gardenlet.shootCore.readNamespacedSecret({ name: 'extra-secret', namespace: ns });
    expect(synced.metadata?.labels).toEqual(managedBy);
    expect(synced.metadata?.annotations?.[ownerAnnotation]).toBe(owner);

    // A user's `kubectl get -o yaml` copy (label and owner mark included) in another namespace
    // and under another name next to ours, and another team's secret with our label.
    const copyNamespace = await createShootNamespace(gardenlet, 'copies');
    await gardenlet.shootCore.createNamespacedSecret({
      namespace: copyNamespace,
      body: copyOf(synced, copyNamespace),
    });
    await gardenlet.shootCore.createNamespacedSecret({
      namespace: 'default',
      body: copyOf(synced, 'default', `copy-of-${ns}`),
    });
    await gardenlet.shootCore.createNamespacedSecret({
      namespace: ns,
      body: copyOf(synced, ns, 'extra-secret-backup'),
    });
    const teamNamespace = await createShootNamespace(gardenlet, 'team-a');
    await gardenlet.shootCore.createNamespacedSecret({
      namespace: teamNamespace,
      body: { metadata: { name: 'theirs', labels: managedBy }, stringData: { keep: 'me' } },
    });

    await gardenlet.patchExtension({
      spec: { providerConfig: gitConfig(ns, { additionalSecretResources: [] }) },
    });
    await gardenlet.annotate();
    await expect.poll(() => readSecretOrUndefined(gardenlet, ns, 'extra-secret')).toBeUndefined();
    await expect
      .poll(async () => (await gardenlet.extension()).status?.state)
      .toMatchObject({ secrets: { owner, synced: [{ namespace: ns, name: 'flux-system' }] } });
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();

    for (const [namespace, name] of [
      [copyNamespace, 'extra-secret'],
      ['default', `copy-of-${ns}`],
      [ns, 'extra-secret-backup'],
      [teamNamespace, 'theirs'],
    ] as const) {
      expect(await readSecretOrUndefined(gardenlet, namespace, name), `${namespace}/${name}`).toBeDefined();
    }
    expect(await readSecretOrUndefined(gardenlet, ns, 'flux-system')).toBeDefined();
    await gardenlet.shootCore.deleteNamespacedSecret({ name: `copy-of-${ns}`, namespace: 'default' });
  });

  it('adopts the planned secrets of a shoot bootstrapped before the record, and deletes nothing else', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    // As an older version left it: no record in status.state, secrets with the label only, and a
    // labelled secret for an entry dropped long ago.
    await gardenlet.patchExtensionStatus({ state: { secrets: null } });
    for (const name of ['flux-system', 'extra-secret']) {
      await gardenlet.shootCore.patchNamespacedSecret(
        { name, namespace: ns, body: { metadata: { annotations: { [ownerAnnotation]: null } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    }
    await gardenlet.shootCore.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'dropped-long-ago', labels: managedBy }, stringData: { old: 'value' } },
    });
    await gardenlet.patchExtension({
      spec: { providerConfig: gitConfig(ns, { additionalSecretResources: [] }) },
    });
    await gardenlet.annotate();

    await expect
      .poll(async () => (await gardenlet.extension()).status?.state)
      .toMatchObject({ secrets: { synced: [{ namespace: ns, name: 'flux-system' }] } });
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
    const adopted = await gardenlet.shootCore.readNamespacedSecret({ name: 'flux-system', namespace: ns });
    expect(adopted.metadata?.annotations?.[ownerAnnotation]).toMatch(new RegExp(`^${gardenlet.namespace}/`));
    // Not provably ours (never recorded): left alone, even the one the config just dropped.
    expect(await readSecretOrUndefined(gardenlet, ns, 'extra-secret')).toBeDefined();
    expect(await readSecretOrUndefined(gardenlet, ns, 'dropped-long-ago')).toBeDefined();
  });

  it('still owns its secrets after a control-plane migration recreated the Extension', async () => {
    const gardenlet = await bootstrappedShoot();
    const ns = gardenlet.fluxNamespace;
    await gardenlet.annotate('migrate');
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation)
      .toMatchObject({ type: 'Migrate', state: 'Succeeded' });
    const { state } = (await gardenlet.extension()).status ?? {};
    const oldUid = (await gardenlet.extension()).metadata.uid;
    await gardenlet.deleteExtension();
    await expect
      .poll(() =>
        gardenlet.extension().then(
          () => 'present',
          () => 'gone',
        ),
      )
      .toBe('gone');

    // As gardenlet restores in the destination seed: a new Extension waiting for its state, the
    // state copied from the ShootState, then the restore. The config meanwhile dropped a secret.
    await gardenlet.createExtension(gitConfig(ns, { additionalSecretResources: [] }), {
      annotations: { 'gardener.cloud/operation': 'wait-for-state' },
    });
    expect((await gardenlet.extension()).metadata.uid).not.toBe(oldUid);
    await gardenlet.patchExtensionStatus({ state });
    await gardenlet.annotate('restore');
    await expect.poll(() => readSecretOrUndefined(gardenlet, ns, 'extra-secret')).toBeUndefined();
    await expect
      .poll(async () => (await gardenlet.extension()).status?.state)
      .toMatchObject({
        secrets: {
          owner: `${gardenlet.namespace}/shoot-flux/${oldUid ?? ''}`,
          synced: [{ namespace: ns, name: 'flux-system' }],
        },
      });
  });

  it('refuses Flux in kube-system and writes nothing there', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    const before = await gardenlet.shootCore.readNamespace({ name: 'kube-system' });
    await gardenlet.createExtension(
      gitConfig('kube-system', {
        additionalSecretResources: [],
        source: undefined,
        kustomization: undefined,
      }),
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    const extension = await gardenlet.extension();
    expect(extension.status?.lastOperation?.state).toBe('Error');
    expect(extension.status?.lastError?.description).toContain(
      'flux.namespace: Forbidden: may not be kube-system',
    );

    const after = await gardenlet.shootCore.readNamespace({ name: 'kube-system' });
    expect(after.metadata?.labels).toEqual(before.metadata?.labels);
    expect(after.metadata?.managedFields?.map((f) => f.manager)).not.toContain(
      'gardener-extension-shoot-flux',
    );
    const policies = await gardenlet.shoot
      .makeApiClient(NetworkingV1Api)
      .listNamespacedNetworkPolicy({ namespace: 'kube-system' });
    expect(policies.items.map((p) => p.metadata?.name)).toEqual([]);
    const deployments = await gardenlet.shoot
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: 'kube-system' });
    expect(deployments.items.map((d) => d.metadata?.name)).not.toContain('source-controller');
  });

  it('refuses a secretRef name of ".." before any request reaches the namespace URL', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot({ resources: testShootResources });
    await gardenlet.writeSecret('ref-git-basic-auth', { username: 'git', password: 's3cret' });
    const sourceNamespace = await createShootNamespace(gardenlet, 'src');
    const config = gitConfig(gardenlet.fluxNamespace, {
      additionalSecretResources: [],
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { namespace: sourceNamespace },
          spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' }, secretRef: { name: '..' } },
        },
        secretResourceName: 'git-credentials',
      },
      kustomization: { template: { spec: { path: './', sourceRef: { namespace: sourceNamespace } } } },
    });
    await gardenlet.createExtension(config);
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    expect((await gardenlet.extension()).status?.lastError?.description).toContain(
      'source.template.spec.secretRef.name: Invalid value: ".."',
    );
    // `secrets/..` would have been a PATCH on this Namespace: nothing of ours touched it.
    const namespace = await gardenlet.shootCore.readNamespace({ name: sourceNamespace });
    expect(namespace.metadata?.managedFields?.map((f) => f.manager)).not.toContain(
      'gardener-extension-shoot-flux',
    );
    await expect(gardenlet.shootCore.readNamespace({ name: gardenlet.fluxNamespace })).rejects.toThrow();
  });

  it('reports a template field the Flux CRD does not declare as a configuration problem', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    await gardenlet.createExtension(
      gitConfig(ns, {
        additionalSecretResources: [],
        source: {
          template: {
            apiVersion: 'source.toolkit.fluxcd.io/v1',
            kind: 'GitRepository',
            spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' }, intervall: '5m' },
          },
        },
      }),
    );
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    const extension = await gardenlet.extension();
    expect(extension.status?.lastOperation?.state).toBe('Error');
    expect(extension.status?.lastError?.description).toContain(`GitRepository ${ns}/flux-system`);
    expect(extension.status?.lastError?.description).toContain('source.template.spec.intervall');
  });

  it('publishes a numeric technicalID in shoot-info as its text', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    await gardenlet.patchCluster({ spec: { shoot: { status: { technicalID: 12345 } } } });
    await gardenlet.createExtension(
      gitConfig(ns, { additionalSecretResources: [], source: undefined, kustomization: undefined }),
    );
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
    const shootInfo = await gardenlet.shootCore.readNamespacedConfigMap({
      name: 'shoot-info',
      namespace: ns,
    });
    expect(shootInfo.data?.SHOOT_INFO_TECHNICAL_ID).toBe('12345');
  });
});
