// Counting what one reconcile sends, for tests that prove a steady state writes nothing more.
import { expect } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { describeRequestedReconcile } from '../../harness/gardenlet.js';
import type { TestShoot } from './shoot-flux-support.js';

/** The sum of a counter's samples (of the given verbs only, when given). */
async function metricSum(manager: Manager, name: string, verbs?: readonly string[]): Promise<number> {
  const metric = manager.metrics.registry.getSingleMetric(name);
  const { values } = (await metric?.get()) ?? { values: [] };
  return values
    .filter((v) => verbs === undefined || verbs.includes(String(v.labels.verb)))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Asks for a reconcile as gardenlet does and waits until it ran (Processing, then Succeeded) and
 * the manager counted it as finished, so every request it made is counted too.
 */
export async function reconcileOnce(manager: Manager, gardenlet: TestShoot): Promise<void> {
  const before = await metricSum(manager, 'controller_runtime_reconcile_total');
  const operations = await gardenlet.recordLastOperations();
  try {
    await gardenlet.annotate();
    await expect.poll(() => describeRequestedReconcile(operations.seen)).toBe('Succeeded');
    await expect.poll(() => metricSum(manager, 'controller_runtime_reconcile_total')).toBeGreaterThan(before);
  } finally {
    operations.stop();
  }
}

/** Requests that write, to the seed and to the shoot (the raw client counts an apply as `apply`). */
export const writeRequests = (manager: Manager) =>
  metricSum(manager, 'rest_client_requests_total', ['apply', 'patch', 'update', 'create', 'delete']);
