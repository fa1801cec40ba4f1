import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject, onTestFinished } from 'vitest';
import { removeNamespace } from '../../harness/namespace-removal.js';

/** The run's seed or shoot control plane (started once by global-setup.ts). */
export function clusterKubeConfig(which: 'seed' | 'shoot'): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject(which === 'seed' ? 'seedKubeconfig' : 'shootKubeconfig'));
  return kubeConfig;
}

/** The admin kubeconfig text of a control plane, e.g. to put into a `gardener` secret. */
export function clusterKubeconfigText(which: 'seed' | 'shoot'): string {
  return readFileSync(inject(which === 'seed' ? 'seedKubeconfig' : 'shootKubeconfig'), 'utf8');
}

/** The shoot kubeconfig as gardenlet writes it into the `gardener` access secret (CA inlined). */
export function shootAccessKubeconfig(): string {
  return inject('shootAccessKubeconfig');
}

/**
 * A fresh `shoot--it--<random>` namespace in the given cluster for the running test, removed
 * with everything in it once the test finished. Call it inside a test (or beforeEach).
 */
export async function createTestNamespace(kubeConfig: KubeConfig, prefix = 'shoot--it'): Promise<string> {
  const name = `${prefix}--${randomBytes(4).toString('hex')}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({
    body: { metadata: { name, labels: { 'gardener.cloud/role': 'shoot' } } },
  });
  onTestFinished(() => removeNamespace(kubeConfig, name));
  return name;
}
