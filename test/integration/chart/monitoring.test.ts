import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControllerMetrics } from '../../../src/controller/metrics.js';
import { assets, resolveAsset } from '../../harness/assets.js';
import { lintChart, onlyObject, renderChart, type RenderedObject } from './helm.js';

const run = promisify(execFile);

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

/** PromQL words that are not metric names (aggregations may stand before `by (…)`, not `(`). */
const promqlWords = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
  'sum',
  'count',
  'min',
  'max',
  'avg',
  'group',
  'topk',
  'bottomk',
  'quantile',
  'stddev',
  'stdvar',
  'count_values',
]);

/**
 * The metric names an expression reads: identifiers that are neither functions (followed by
 * `(`), keywords, label names (inside `{…}` or the `(…)` of by/without/on/ignoring) nor strings.
 */
export function metricNamesOf(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1')
    .replace(/\[[^\]]*\]/g, '');
  return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !promqlWords.has(m[1]?.toLowerCase() ?? ''))
    .map((m) => m[1] ?? '')
    .filter((name) => !/^\d/.test(name));
}

/** Every series name the controller exports, histograms with their `_bucket`, `_sum`, `_count`. */
function exportedSeries(): Set<string> {
  const names = new Set<string>();
  for (const metric of createControllerMetrics({ defaultMetrics: false }).registry.getMetricsAsArray()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
  }
  return names;
}

describe('chart monitoring: PrometheusRule and dashboard', () => {
  let objects: RenderedObject[];
  let dir: string;

  beforeAll(async () => {
    objects = await renderChart('extension-shoot-flux-x', { monitoring: { enabled: true } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'shoot-flux-rules-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rules = () =>
    onlyObject(objects, 'PrometheusRule') as RenderedObject & { spec: { groups: { rules: Rule[] }[] } };
  const dashboard = () => {
    const configMap = onlyObject(objects, 'ConfigMap') as RenderedObject & { data: Record<string, string> };
    return JSON.parse(configMap.data['shoot-flux.json'] ?? '{}') as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
  };

  it('lints with monitoring enabled and renders nothing of it by default', async () => {
    await lintChart({ monitoring: { enabled: true } });
    const plain = await renderChart('extension-shoot-flux-x');
    expect(plain.map((o) => o.kind)).not.toContain('PrometheusRule');
  });

  it('labels the rule for the seed Prometheus and the dashboard for the seed Plutono, in garden', () => {
    expect(rules().metadata).toMatchObject({ namespace: 'garden', labels: { prometheus: 'seed' } });
    const configMap = onlyObject(objects, 'ConfigMap');
    expect(configMap.metadata).toMatchObject({
      namespace: 'garden',
      labels: { 'dashboard.monitoring.gardener.cloud/seed': 'true' },
    });
  });

  it('ships the four alerts the operators need', () => {
    const alerts = rules().spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'ShootFluxControllersUnavailable',
        'ShootFluxSyncFailing',
        'ShootFluxBootstrapsFailing',
        'ShootFluxControllerNotReconciling',
      ]),
    );
  });

  it('passes promtool check rules, which rejects a broken expression', async () => {
    const promtool = (await resolveAsset(assets.promtool, { lookOnly: true })).path;
    const file = path.join(dir, 'rules.yaml');
    await writeFile(file, yaml.dump({ groups: rules().spec.groups }));
    const { stdout } = await run(promtool, ['check', 'rules', file]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);

    const broken = path.join(dir, 'broken.yaml');
    await writeFile(
      broken,
      yaml.dump({ groups: [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(rate(x[5m])' }] }] }),
    );
    await expect(run(promtool, ['check', 'rules', broken])).rejects.toThrow(/parse error|unclosed/i);
  });

  it('every dashboard expression parses as PromQL (promtool)', async () => {
    const promtool = (await resolveAsset(assets.promtool, { lookOnly: true })).path;
    const exprs = dashboard().panels.flatMap((p) => p.targets.map((t) => t.expr));
    const file = path.join(dir, 'dashboard-rules.yaml');
    await writeFile(
      file,
      yaml.dump({
        groups: [
          { name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:panel${i}`, expr })) },
        ],
      }),
    );
    await run(promtool, ['check', 'rules', file]);
  });

  it('names only metrics the controller exports, in rules and panels', () => {
    const exported = exportedSeries();
    const exprs = [
      ...rules().spec.groups.flatMap((g) => g.rules.map((r) => r.expr)),
      ...dashboard().panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ];
    const named = new Set(exprs.flatMap(metricNamesOf));
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('the metric name extraction sees through labels, functions and grouping', () => {
    expect(
      metricNamesOf('sum by (le) (rate(a_bucket{result="x"}[5m])) or vector(0) and on() count(b) > 0'),
    ).toEqual(['a_bucket', 'b']);
  });
});
