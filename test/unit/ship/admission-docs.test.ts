// docs/admission.md covers every flag of `admission`, every value of both admission charts, and
// links only to files that exist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.js';
import { repoRoot } from '../../harness/assets.js';

const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');
const doc = read('docs/admission.md');
const charts = 'charts/gardener-extension-shoot-flux-admission/charts';

describe('docs/admission.md', () => {
  it('documents every flag of admission in its flags table, and nothing else', () => {
    const section = doc.slice(doc.indexOf('## Flags'), doc.indexOf('## Deployment and registration'));
    const documented = [...section.matchAll(/^\| `(--[a-z-]+)`(?:, `(--[a-z-]+)`)?/gm)].flatMap((m) =>
      [m[1], m[2]].filter((f): f is string => f !== undefined),
    );
    const admission = buildProgram().commands.find((c) => c.name() === 'admission');
    const flags = (admission?.options ?? []).map((o) => o.long).filter((f): f is string => f !== undefined);
    expect(documented.sort()).toEqual(flags.sort());
  });

  it.each(['runtime', 'application'])('documents every value of the %s chart', (chart) => {
    const values = yaml.load(read(`${charts}/${chart}/values.yaml`)) as Record<string, unknown>;
    const webhookConfig = (values.webhookConfig ?? {}) as Record<string, unknown>;
    const keys = [
      ...Object.keys(values).filter((k) => k !== 'webhookConfig'),
      ...Object.keys(webhookConfig).map((k) => `webhookConfig.${k}`),
    ];
    expect(keys.filter((key) => !doc.includes(`\`${key}`))).toEqual([]);
  });

  it('links only to files that exist', () => {
    const targets = [...doc.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((m) => m[1] ?? '')
      .filter((target) => !/^[a-z]+:/.test(target));
    expect(targets.filter((t) => !existsSync(path.resolve(repoRoot, 'docs', t)))).toEqual([]);
  });
});
