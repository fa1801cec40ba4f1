import { AppsV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { isDeploymentAvailable, markDeploymentsAvailable, startKubelet } from '../../harness/kubelet.js';
import { clusterKubeConfig, createTestNamespace } from '../support/clusters.js';

function deployment(name: string, replicas: number): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'manager', image: 'registry.invalid/manager:v1' }] },
      },
    },
  };
}

describe('kubelet stand-in', () => {
  let kubeConfig: KubeConfig;
  let apps: AppsV1Api;

  beforeAll(() => {
    kubeConfig = clusterKubeConfig('shoot');
    apps = kubeConfig.makeApiClient(AppsV1Api);
  });

  it('marks every Deployment of a namespace available once', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'kubelet');
    await apps.createNamespacedDeployment({ namespace, body: deployment('one', 2) });
    await apps.createNamespacedDeployment({ namespace, body: deployment('two', 1) });

    expect((await markDeploymentsAvailable(kubeConfig, namespace)).sort()).toEqual(['one', 'two']);
    const one = await apps.readNamespacedDeployment({ namespace, name: 'one' });
    expect(one.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    expect(one.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    expect(isDeploymentAvailable(await apps.readNamespacedDeployment({ namespace, name: 'two' }))).toBe(true);
  });

  it('keeps marking new and changed Deployments until stopped', async () => {
    const namespace = await createTestNamespace(kubeConfig, 'kubelet');
    await apps.createNamespacedDeployment({ namespace, body: deployment('before', 1) });
    const rescale = async (name: string, replicas: number) => {
      const current = await apps.readNamespacedDeployment({ namespace, name });
      current.spec = deployment(name, replicas).spec;
      await apps.replaceNamespacedDeployment({ namespace, name, body: current });
    };
    const kubelet = await startKubelet(kubeConfig, namespace);
    try {
      const status = (name: string) =>
        apps
          .readNamespacedDeployment({ namespace, name })
          .then((d) => [d.metadata?.generation, d.status?.observedGeneration, d.status?.availableReplicas]);
      await expect.poll(() => status('before')).toEqual([1, 1, 1]);

      await apps.createNamespacedDeployment({ namespace, body: deployment('after', 3) });
      await expect.poll(() => status('after')).toEqual([1, 1, 3]);

      // A spec change moves the generation; the kubelet follows it.
      await rescale('after', 4);
      await expect.poll(() => status('after')).toEqual([2, 2, 4]);
      expect(kubelet.errors()).toEqual([]);
    } finally {
      await kubelet.stop();
    }

    // Stopped: a new generation stays unobserved.
    await rescale('before', 2);
    const before = await apps.readNamespacedDeployment({ namespace, name: 'before' });
    expect([before.metadata?.generation, before.status?.observedGeneration]).toEqual([2, 1]);
  });
});
