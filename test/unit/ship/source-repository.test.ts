// The project's source repository is named once, in package.json `repository`; the charts'
// `home`/`sources` and the image's `org.opencontainers.image.source` label must name the same
// repository (not the Go reference this project re-implements).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/assets.js';

const read = (relative: string) => readFileSync(path.join(repoRoot, relative), 'utf8');

const packageJson = JSON.parse(read('package.json')) as {
  homepage?: string;
  repository?: { type?: string; url?: string };
};

/** The browsable URL of an npm `repository.url` (`git+https://…/x.git` → `https://…/x`). */
function browsableUrl(repositoryUrl: string): string {
  return repositoryUrl.replace(/^git\+/, '').replace(/\.git$/, '');
}

const charts = [
  'charts/gardener-extension-shoot-flux',
  'charts/gardener-extension-shoot-flux-admission/charts/runtime',
  'charts/gardener-extension-shoot-flux-admission/charts/application',
];

describe('source repository', () => {
  const url = browsableUrl(packageJson.repository?.url ?? '');

  it('is a git repository in package.json, and the homepage is that repository', () => {
    expect(packageJson.repository?.type).toBe('git');
    expect(url).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+$/);
    expect(url).not.toContain('stackitcloud');
    expect(packageJson.homepage).toBe(url);
  });

  it.each(charts)('is the home and the only source of %s', (chart) => {
    const chartYaml = yaml.load(read(`${chart}/Chart.yaml`)) as { home?: string; sources?: string[] };
    expect(chartYaml.home).toBe(url);
    expect(chartYaml.sources).toEqual([url]);
  });

  it('is the org.opencontainers.image.source label of the image', () => {
    const labels = [...read('Dockerfile').matchAll(/org\.opencontainers\.image\.source="([^"]*)"/g)].map(
      (m) => m[1],
    );
    expect(labels).toEqual([url]);
  });
});
