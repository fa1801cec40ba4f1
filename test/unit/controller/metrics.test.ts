import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createControllerMetrics, ShootHealthMetrics } from '../../../src/controller/metrics.js';
import { repoRoot } from '../../harness/assets.js';

/** The metric names of the metrics table in docs/operations.md (first column). */
function documentedMetrics(): string[] {
  const operations = readFileSync(path.join(repoRoot, 'docs/operations.md'), 'utf8');
  const section = operations.slice(operations.indexOf('## Metrics'), operations.indexOf('## Logs'));
  return [...section.matchAll(/^\| `([a-z_:]+)`/gm)].map((m) => m[1] ?? '');
}

describe('controller metrics', () => {
  it('documents every metric the controller registers, and no other', () => {
    const registered = createControllerMetrics({ defaultMetrics: false })
      .registry.getMetricsAsArray()
      .map((m) => m.name);
    expect([...registered].sort()).toEqual([...documentedMetrics()].sort());
  });

  it('keeps one shoot_flux_synced series per shoot and drops every series of a forgotten shoot', async () => {
    const metrics = createControllerMetrics({ defaultMetrics: false });
    const shoots = new ShootHealthMetrics(metrics);
    shoots.record(
      'shoot--a--b',
      { systemComponentsHealthy: true, synced: true, syncedReason: 'Succeeded', version: 'v2.9.2' },
      'Once',
    );
    shoots.record(
      'shoot--a--b',
      { systemComponentsHealthy: false, synced: false, syncedReason: 'BuildFailed', version: 'v2.9.2' },
      'Once',
    );
    expect((await metrics.synced.get()).values).toEqual([
      { labels: { namespace: 'shoot--a--b', reason: 'BuildFailed' }, value: 0 },
    ]);
    expect((await metrics.systemComponentsHealthy.get()).values).toEqual([
      { labels: { namespace: 'shoot--a--b' }, value: 0 },
    ]);
    shoots.forget('shoot--a--b');
    expect((await metrics.synced.get()).values).toEqual([]);
    expect((await metrics.systemComponentsHealthy.get()).values).toEqual([]);
    expect((await metrics.info.get()).values).toEqual([]);
  });
});
