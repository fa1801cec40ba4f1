// The operator docs cover every flag the chart passes, every chart value and every image build
// argument, and every flag of `run` once the command exists.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
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

  // TODO(#3) TODO(#4): drop once docs/providerconfig.md, docs/migration.md (issue 3) and
  // docs/flux-installation.md (issue 4) have landed; until then a link to them may dangle.
  const pendingDocs = new Set(['providerconfig.md', 'migration.md', 'flux-installation.md']);

  it('link only to files that exist', () => {
    for (const [name, text] of [
      ['docs/operations.md', operations],
      ['docs/deployment.md', deployment],
    ] as const) {
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1] ?? '')
        .filter((target) => !/^[a-z]+:/.test(target));
      const missing = targets.filter(
        (t) => !existsSync(path.resolve(repoRoot, 'docs', t)) && !pendingDocs.has(t),
      );
      expect(missing, name).toEqual([]);
    }
  });
});
