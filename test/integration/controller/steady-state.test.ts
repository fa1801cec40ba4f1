import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { startShootFluxManager, type TestShoot, useTestShoots } from './shoot-flux-support.js';

const extensionType = 'shoot-flux-steady';
// Reads are gets, lists, watches and discovery; every other verb writes to the seed or a shoot.
const readVerbs = new Set(['get', 'list', 'watch', 'discover']);

/** Requests the manager sent (seed and shoots alike), by verb, from its requests metric. */
async function requestsByVerb(manager: Manager): Promise<Map<string, number>> {
  const metric = await manager.metrics.registry.getSingleMetric('rest_client_requests_total')?.get();
  const counts = new Map<string, number>();
  for (const { labels, value } of metric?.values ?? []) {
    const verb = String(labels.verb);
    counts.set(verb, (counts.get(verb) ?? 0) + value);
  }
  return counts;
}

async function reconcileCount(manager: Manager): Promise<number> {
  const metric = await manager.metrics.registry.getSingleMetric('controller_runtime_reconcile_total')?.get();
  return (metric?.values ?? []).reduce((sum, { value }) => sum + value, 0);
}

function delta(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const changed: Record<string, number> = {};
  for (const [verb, count] of after) {
    const grown = count - (before.get(verb) ?? 0);
    if (grown > 0) changed[verb] = grown;
  }
  return changed;
}

describe('steady state: resyncs of bootstrapped, unchanged shoots', () => {
  let manager: Manager;
  const testShoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({ extensionType });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('sends no write to the seed or the shoots, and only a few reads per reconcile', async () => {
    const shoots: TestShoot[] = [];
    for (let i = 0; i < 2; i++) shoots.push(await testShoots.bootstrap(undefined, extensionType));
    // A new leader takes over: with --ignore-operation-annotation it reconciles every Extension it
    // lists (the first reconcile after the bootstrap), then resyncs each every second. Its
    // requests metric starts at zero, so it counts exactly these reconciles.
    await manager.stop();
    const extensionsBefore = await Promise.all(shoots.map((s) => s.extension()));
    const eventsBefore = await Promise.all(shoots.map((s) => s.events()));
    manager = await startShootFluxManager({
      extensionType,
      ignoreOperationAnnotation: true,
      resyncMs: 1_000,
    });
    const before = new Map<string, number>();
    const reconcilesBefore = 0;

    const target = reconcilesBefore + 3 * shoots.length;
    await expect.poll(() => reconcileCount(manager)).toBeGreaterThanOrEqual(target);
    const requests = delta(await requestsByVerb(manager), before);
    const reconciles = (await reconcileCount(manager)) - reconcilesBefore;

    const writes = Object.entries(requests).filter(([verb]) => !readVerbs.has(verb));
    expect(writes).toEqual([]);
    // No discovery: the core kinds of a steady reconcile map without it. Per reconcile one GET
    // each: from the seed the shoot access secret (gardener-internal, which these shoots lack,
    // then gardener) and the two referenced secrets, while the Extension and its Cluster come
    // from the informers' cache (outside the seed's rate limit); from the shoot the Flux
    // namespace, its two synced secrets and shoot-info. Lists and watches are the new leader's
    // informers, once, not per reconcile.
    expect(requests.discover ?? 0).toBe(0);
    expect((requests.get ?? 0) / reconciles).toBeLessThanOrEqual(9);

    const extensionsAfter = await Promise.all(shoots.map((s) => s.extension()));
    expect(extensionsAfter.map((e) => e.metadata.resourceVersion)).toEqual(
      extensionsBefore.map((e) => e.metadata.resourceVersion),
    );
    expect(await Promise.all(shoots.map((s) => s.events()))).toEqual(eventsBefore);
  });

  it('still rewrites shoot-info that someone changed in the shoot', async () => {
    const shoot = await testShoots.bootstrap(undefined, extensionType);
    const namespace = shoot.fluxNamespace;
    await shoot.shootCore.patchNamespacedConfigMap({
      name: 'shoot-info',
      namespace,
      body: [{ op: 'replace', path: '/data/SHOOT_INFO_NAME', value: 'x' }],
    });
    await expect
      .poll(
        async () => (await shoot.shootCore.readNamespacedConfigMap({ name: 'shoot-info', namespace })).data,
      )
      .toMatchObject({ SHOOT_INFO_NAME: 'my-shoot' });
    await shoot.shootCore.deleteNamespacedConfigMap({ name: 'shoot-info', namespace });
    await expect
      .poll(
        async () =>
          (
            await shoot.shootCore
              .readNamespacedConfigMap({ name: 'shoot-info', namespace })
              .catch(() => undefined)
          )?.data,
      )
      .toMatchObject({ SHOOT_INFO_NAME: 'my-shoot' });
  });
});
