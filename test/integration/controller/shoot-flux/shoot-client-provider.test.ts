import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeConnection } from '../../../../src/kube/kube-connection.js';
import { KubeRawClient } from '../../../../src/kube/raw-client.js';
import {
  ShootAccessError,
  ShootClientProvider,
} from '../../../../src/controller/shoot-flux/shoot-client-provider.js';
import { waitForCollections } from '../../../../src/kube/watch.js';
import { clusterKubeConfig, createTestNamespace, shootAccessKubeconfig } from '../../support/clusters.js';
import { captureLogs } from '../../support/log-capture.js';

/** The names of the cluster's namespaces, read through the controller's raw client. */
async function listNamespaces(connection: KubeConnection): Promise<string[]> {
  const { body } = await new KubeRawClient(connection).request({
    method: 'GET',
    path: '/api/v1/namespaces',
    verb: 'list',
    object: 'namespaces',
  });
  return (body as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
}

describe('ShootClientProvider', () => {
  const seed = clusterKubeConfig('seed');
  const seedCore = seed.makeApiClient(CoreV1Api);
  let namespace: string;

  const writeAccessSecret = async (name: string, kubeconfig: string) => {
    const body = {
      metadata: { name, namespace },
      data: { kubeconfig: Buffer.from(kubeconfig).toString('base64') },
    };
    try {
      await seedCore.replaceNamespacedSecret({ name, namespace, body });
    } catch {
      await seedCore.createNamespacedSecret({ namespace, body });
    }
  };

  // One namespace per test, removed after it.
  beforeEach(async () => {
    namespace = await createTestNamespace(seed);
  });

  it('fails clearly while no access secret exists', async () => {
    const provider = new ShootClientProvider(seed, 'internal');
    await expect(provider.kubeConfigFor(namespace)).rejects.toThrow(
      new ShootAccessError(`no shoot access secret in ${namespace} (looked for gardener-internal, gardener)`),
    );
  });

  it('falls back to the gardener secret and reaches the shoot', async () => {
    await writeAccessSecret('gardener', shootAccessKubeconfig());
    const provider = new ShootClientProvider(seed, 'internal');
    const shoot = await provider.kubeConfigFor(namespace);
    const namespaces = await listNamespaces(shoot);
    expect(namespaces).toContain('kube-system');
    // Unchanged secret: the same client is reused.
    expect(await provider.kubeConfigFor(namespace)).toBe(shoot);
  });

  it('builds a new client when the secret rotates, and rejects exec plugins', async () => {
    await writeAccessSecret('gardener', shootAccessKubeconfig());
    const provider = new ShootClientProvider(seed, 'external');
    const before = await provider.kubeConfigFor(namespace);
    await writeAccessSecret(
      'gardener',
      shootAccessKubeconfig().replace('current-context:', '# rotated\ncurrent-context:'),
    );
    const after = await provider.kubeConfigFor(namespace);
    expect(after).not.toBe(before);

    await writeAccessSecret(
      'gardener-internal',
      'apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://x"}}]\nusers: [{name: u, user: {exec: {command: sh}}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    await expect(new ShootClientProvider(seed, 'internal').kubeConfigFor(namespace)).rejects.toThrow(
      /gardener-internal: kubeconfig user "u" uses unsupported fields "exec"/,
    );
    // external mode never looks at gardener-internal
    await expect(provider.kubeConfigFor(namespace)).resolves.toBe(after);
  });

  it('trims a token with a trailing newline and refuses one with header injection, with a code', async () => {
    const raw = yaml.load(shootAccessKubeconfig()) as { users: { user: { token: string } }[] };
    const token = raw.users[0]?.user.token ?? '';
    const withToken = (value: string) => {
      const copy = structuredClone(raw);
      if (copy.users[0]) copy.users[0].user.token = value;
      return yaml.dump(copy);
    };
    await writeAccessSecret('gardener', withToken(`${token}\r\n`));
    const shoot = await new ShootClientProvider(seed, 'external').kubeConfigFor(namespace);
    await expect(listNamespaces(shoot)).resolves.toContain('kube-system');

    await writeAccessSecret('gardener', withToken(`${token}\r\nX-Evil: 1`));
    const refused = await new ShootClientProvider(seed, 'external')
      .kubeConfigFor(namespace)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ShootAccessError);
    expect(refused).toMatchObject({
      message: `secret ${namespace}/gardener: kubeconfig user "gardener" has a token with whitespace, control or non-ASCII characters inside`,
      codes: ['ERR_RETRYABLE_INFRA_DEPENDENCIES'],
    });
  });
});

describe('requests whose credentials cannot be sent', () => {
  // A KubeConfig built directly, past the shoot kubeconfig checks: the error path itself must not leak.
  const secret = 's3cr3t-t0ken';
  const broken = (() => {
    const kubeConfig = new KubeConfig();
    const server = clusterKubeConfig('seed').getCurrentCluster();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: server?.server ?? '', caData: server?.caData, skipTLSVerify: false }],
      users: [{ name: 'u', token: `${secret}\r\nX-Evil: 1` }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    return kubeConfig;
  })();

  it('fail with a classification, never the header value', async () => {
    const client = new KubeRawClient(broken);
    const err = await client
      .request({ method: 'GET', path: '/api/v1/namespaces', verb: 'list', object: 'namespaces' })
      .then(
        () => new Error('the request was sent'),
        (e: unknown) => e as Error,
      );
    expect(err.message).toBe(
      'list namespaces: the request could not be sent: a header is not a legal HTTP header value ' +
        '(whitespace or control characters in the token or password of the kubeconfig?)',
    );
    expect(JSON.stringify([err.message, err.stack, err.cause])).not.toMatch(/s3cr3t|X-Evil/);
  });

  it('and a watch on them logs only that classification', async () => {
    const logs = captureLogs();
    await waitForCollections(new KubeRawClient(broken), {
      collections: [{ path: '/api/v1/namespaces' }],
      evaluate: () => ({ done: false, progress: undefined }),
      signal: AbortSignal.timeout(1_500),
      logger: logs.logger,
      restartDelayMs: 200,
    });
    expect(logs.text()).toContain('a header is not a legal HTTP header value');
    expect(logs.text()).not.toMatch(/s3cr3t|X-Evil/);
  });
});
