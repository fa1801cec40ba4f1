import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ShootAccessError, ShootClientProvider } from '../../../src/kube/shoot-client.js';
import { clusterKubeConfig, createTestNamespace, shootAccessKubeconfig } from '../support/clusters.js';

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

  beforeAll(async () => {
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
    const namespaces = await shoot.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain('kube-system');
    // Unchanged secret: the same client is reused.
    expect(await provider.kubeConfigFor(namespace)).toBe(shoot);
  });

  it('builds a new client when the secret rotates, and rejects exec plugins', async () => {
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
});
