import { CoreV1Api } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventRecorderFactory, combinedEventPrefix } from '../../../src/kube/events.js';
import { discardLogger } from '../../../src/log/logger.js';
import { clusterKubeConfig, createTestNamespace } from '../support/clusters.js';

describe('EventRecorderFactory', () => {
  const seed = clusterKubeConfig('seed');
  const core = seed.makeApiClient(CoreV1Api);
  let namespace: string;

  // One namespace per test, removed after it.
  beforeEach(async () => {
    namespace = await createTestNamespace(seed);
  });

  const subject = (name: string) => ({
    apiVersion: 'extensions.gardener.cloud/v1alpha1',
    kind: 'Extension',
    metadata: { name, namespace, uid: `uid-${name}` },
  });
  const eventsOf = async (name: string) =>
    (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.involvedObject.name === name);

  it('counts a repeated event on the existing object instead of creating another', async () => {
    const recorder = new EventRecorderFactory({ kubeConfig: seed, component: 'it', logger: discardLogger });
    const events = recorder.forObject(subject('repeat'));
    // Concurrent repeats too: the second waits for the first's create, then patches.
    events.event('Warning', 'ProviderConfigWarning', '3000 warnings: a: unknown field');
    events.event('Warning', 'ProviderConfigWarning', '3000 warnings: a: unknown field');
    await recorder.flush();
    events.event('Warning', 'ProviderConfigWarning', '3000 warnings: a: unknown field');
    await recorder.flush();
    const written = await eventsOf('repeat');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ count: 3, reason: 'ProviderConfigWarning', type: 'Warning' });
    expect(new Date(written[0]?.lastTimestamp ?? 0).getTime()).toBeGreaterThanOrEqual(
      new Date(written[0]?.firstTimestamp ?? 0).getTime(),
    );
  });

  it('combines many distinct messages of one reason into one Event, as client-go does', async () => {
    const recorder = new EventRecorderFactory({ kubeConfig: seed, component: 'it', logger: discardLogger });
    const events = recorder.forObject(subject('similar'));
    for (let i = 0; i < 50; i += 1)
      events.event('Warning', 'ProviderConfigWarning', `field${i}: unknown field`);
    await recorder.flush();
    const written = await eventsOf('similar');
    // Nine distinct ones on their own, then one combined Event counting the other 41.
    expect(written).toHaveLength(10);
    const combined = written.filter((e) => e.message?.startsWith(combinedEventPrefix));
    expect(combined).toHaveLength(1);
    expect(combined[0]).toMatchObject({ count: 41, message: `${combinedEventPrefix}field49: unknown field` });
  });

  it('bounds and redacts what it writes', async () => {
    const recorder = new EventRecorderFactory({ kubeConfig: seed, component: 'it', logger: discardLogger });
    recorder
      .forObject(subject('bounded'))
      .event(
        'Warning',
        `Reason${'x'.repeat(1000)}`,
        `clone https://u:t0ken@h failed: ${'y'.repeat(700 * 1024)}`,
      );
    await recorder.flush();
    const [written] = await eventsOf('bounded');
    expect(Buffer.byteLength(written?.message ?? '')).toBeLessThanOrEqual(1024);
    expect(written?.message).toMatch(/^clone https:\/\/\*\*\*@h failed: y+… \(truncated, \d+ bytes\)$/);
    expect(written?.reason?.length).toBeLessThanOrEqual(128);
  });
});
