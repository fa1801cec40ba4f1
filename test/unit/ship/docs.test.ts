// The operator docs cover every flag the chart passes, every chart value and every image build
// argument, and every flag of `run` once the command exists; and they name exactly the metrics
// (with labels), Event reasons, error codes and shoot-info keys the code has.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { createAdmissionMetrics } from '../../../src/admission/metrics.js';
import { buildProgram } from '../../../src/cli/program.js';
import { createControllerMetrics } from '../../../src/controller/metrics.js';
import { buildShootInfoConfigMap } from '../../../src/flux/shoot-info.js';
import { errorCodes } from '../../../src/gardener/constants.js';
import { logLevels } from '../../../src/log/winston-logger.js';
import { repoRoot } from '../../harness/assets.js';

const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');
const operations = read('docs/operations.md');
const deployment = read('docs/deployment.md');
const chartDir = 'charts/gardener-extension-shoot-flux';

/** The flags (first column) of the operations.md table between two headings. */
function flagsBetween(from: string, to: string): string[] {
  const section = operations.slice(operations.indexOf(from), operations.indexOf(to));
  return [...section.matchAll(/^\| `(--[a-z-]+)`/gm)].map((m) => m[1] ?? '');
}

/** The flags of the flags table in operations.md: those the chart passes. */
function documentedFlags(): string[] {
  return flagsBetween('### Flags', "### Gardener's standard flags");
}

/** Gardener's standard flags that run accepts but the chart does not set. */
function documentedGardenerFlags(): string[] {
  return flagsBetween("### Gardener's standard flags", '### Chart values');
}

describe('operator docs', () => {
  it('document every flag the chart passes to run, and nothing else', () => {
    const template = read(`${chartDir}/templates/deployment.yaml`);
    const chartFlags = new Set([...template.matchAll(/^\s+- (--[a-z-]+)=/gm)].map((m) => m[1] ?? ''));
    expect([...chartFlags].sort()).toEqual([...documentedFlags()].sort());
  });

  it.skipIf(!buildProgram().commands.some((c) => c.name() === 'run'))('document every flag of run', () => {
    const run = buildProgram().commands.find((c) => c.name() === 'run');
    // Hidden options are aliases kept for Gardener compatibility, not flags to document.
    const flags = (run?.options ?? [])
      .filter((o) => !o.hidden)
      .map((o) => o.long)
      .filter((f): f is string => f !== undefined);
    expect(flags.filter((f) => f !== '--help').sort()).toEqual(
      [...documentedFlags(), ...documentedGardenerFlags()].sort(),
    );
  });

  it('document every chart value', () => {
    const values = yaml.load(read(`${chartDir}/values.yaml`)) as Record<string, unknown>;
    const missing = Object.keys(values).filter((key) => !operations.includes(`\`${key}`));
    expect(missing).toEqual([]);
  });

  it('document every build argument of the image', () => {
    const args = [...read('Dockerfile').matchAll(/^ARG ([A-Z_]+)/gm)].map((m) => m[1] ?? '');
    const internal = new Set(['DEBIAN_RELEASE', 'DISTROLESS_DEBIAN']); // must match NODE_MAJOR's images
    const missing = args.filter((arg) => !internal.has(arg) && !deployment.includes(`\`${arg}\``));
    expect(missing).toEqual([]);
  });

  it('link only to files that exist', () => {
    const documents = [
      'README.md',
      'CONTRIBUTING.md',
      ...readdirSync(path.join(repoRoot, 'docs'))
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
      ...readdirSync(path.join(repoRoot, 'docs', 'adr')).map((name) => `docs/adr/${name}`),
    ];
    for (const name of documents) {
      const text = read(name);
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1] ?? '')
        .filter((target) => !/^[a-z]+:/.test(target));
      const missing = targets.filter((t) => !existsSync(path.resolve(repoRoot, path.dirname(name), t)));
      expect(missing, name).toEqual([]);
    }
  });
});

/** Every `.ts` file under src/, with its text. */
function sourceFiles(dir = path.join(repoRoot, 'src')): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [{ file: full, text: readFileSync(full, 'utf8') }] : [];
  });
}

/** The rows of the Markdown table under a heading (up to the next heading), as cells without backticks. */
function tableRows(text: string, heading: string): string[][] {
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const rest = text.slice(start + heading.length);
  const end = rest.search(/\n#{2,3} /);
  return (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .slice(1)
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

const unquote = (cell: string) => cell.replace(/`/g, '');

/** The label names a prom-client metric was registered with. */
function labelNamesOf(metric: unknown): string[] {
  const names = (metric as { labelNames?: readonly string[] }).labelNames;
  return [...(names ?? [])].sort();
}

describe('operator docs and code agree', () => {
  /** Metric name → sorted label names, of a table (name, type, labels, …) and of a registry. */
  const documentedMetrics = (text: string, heading: string) =>
    Object.fromEntries(
      tableRows(text, heading).map(([name = '', , labels = '']) => [
        unquote(name),
        labels === '' || labels === '—' ? [] : unquote(labels).split(/,\s*/).sort(),
      ]),
    );
  const registeredMetrics = (registry: { getMetricsAsArray(): { name: string }[] }) =>
    Object.fromEntries(registry.getMetricsAsArray().map((metric) => [metric.name, labelNamesOf(metric)]));

  it('document every controller metric with its labels', () => {
    expect(documentedMetrics(operations, '## Metrics')).toEqual(
      registeredMetrics(createControllerMetrics({ defaultMetrics: false }).registry),
    );
  });

  it('document every admission metric with its labels', () => {
    expect(documentedMetrics(read('docs/admission.md'), '### Metrics')).toEqual(
      registeredMetrics(createAdmissionMetrics({ defaultMetrics: false }).registry),
    );
  });

  it('document every Event reason the controller records, with its type', () => {
    const emitted = new Map<string, string>();
    for (const { text } of sourceFiles()) {
      // `.event('Normal', 'Reason', …)`, and `.event('Warning', reason, …)` with `reason = '…'`
      // assigned in the same file.
      for (const m of text.matchAll(/\.event\(\s*'(Normal|Warning)',\s*'([A-Za-z]+)'/g)) {
        emitted.set(m[2] ?? '', m[1] ?? '');
      }
      for (const m of text.matchAll(/\.event\(\s*'(Normal|Warning)',\s*([a-z][A-Za-z]*)\s*,/g)) {
        const variable = m[2] ?? '';
        // The assignment closest before the call names the reason this call records.
        const before = text.slice(0, m.index);
        const assigned = [...before.matchAll(new RegExp(`\\b${variable} = '([A-Za-z]+)'`, 'g'))].at(-1);
        if (!assigned)
          throw new Error(`cannot tell the Event reason of .event('${m[1] ?? ''}', ${variable})`);
        emitted.set(assigned[1] ?? '', m[1] ?? '');
      }
    }
    const documented = new Map(
      tableRows(operations, '### By Event reason').map(([reason = '', type = '']) => [unquote(reason), type]),
    );
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(emitted));
  });

  it('document every error code the controller sets', () => {
    const keys = new Set(
      sourceFiles()
        .filter(({ file }) => !file.endsWith(path.join('gardener', 'constants.ts')))
        .flatMap(({ text }) => [...text.matchAll(/errorCodes\.([a-zA-Z]+)/g)].map((m) => m[1] ?? '')),
    );
    const set = [...keys].map((key) => errorCodes[key as keyof typeof errorCodes]).sort();
    const documented = tableRows(operations, '### By error code').map(([code = '']) => unquote(code));
    expect([...documented].sort()).toEqual(set);
  });

  it('document the shoot-info keys the controller writes', () => {
    const written = Object.keys(
      buildShootInfoConfigMap('flux-system', {
        name: 'n',
        technicalID: 't',
        clusterIdentity: 'c',
        gardenClusterIdentity: 'g',
      }).data,
    ).sort();
    const documented = tableRows(operations, '## The `shoot-info` ConfigMap').map(([key = '']) =>
      unquote(key),
    );
    expect([...documented].sort()).toEqual(written);
  });

  it('say that logs go to stderr, and which log levels there are', () => {
    expect(operations).toMatch(/One JSON object per line on stderr/);
    const row = operations.split('\n').find((line) => line.startsWith('| `--log-level`')) ?? '';
    for (const level of logLevels) expect(row).toContain(`\`${level}\``);
  });
});
