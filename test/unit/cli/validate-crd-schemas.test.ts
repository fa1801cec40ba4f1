import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFluxBundleDir } from '../../harness/testdata.js';
import { runCliInProcess as cli } from './support/cli.js';

const config = `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    interval: 5m
    spec:
      url: https://github.com/org/repo
      ref: {branch: main}
      provider: gitlab
kustomization:
  template:
    spec: {path: ./}
`;

describe('validate against the Flux CRDs', () => {
  it('with --flux-manifests-base, reports enum errors and misplaced fields at their paths', async () => {
    // The harness's bundle directory is `<base>/<version>/`, the layout --flux-manifests-base reads.
    const base = dirname(findFluxBundleDir());
    const { code, stdout } = await cli(
      ['validate', '-f', '-', '-o', 'json', '--flux-manifests-base', base],
      config,
    );
    expect(code).toBe(1);
    const [check] = JSON.parse(stdout) as {
      errors: { type: string; field: string }[];
      warnings: { field: string; message: string }[];
    }[];
    expect(check?.errors.map(({ type, field }) => ({ type, field }))).toEqual([
      { type: 'FieldValueNotSupported', field: 'source.template.spec.provider' },
    ]);
    expect(check?.warnings).toEqual([
      expect.objectContaining({
        field: 'source.template.interval',
        message: expect.stringContaining('did you mean "source.template.spec.interval"?') as unknown,
      }),
    ]);
  });

  it('without a bundle, checks the structure only and says so once', async () => {
    const valid = config.replace('      provider: gitlab\n', '');
    const { code, stderr } = await cli(['validate', '-f', '-'], `${valid}---\n${valid}`);
    expect(code).toBe(0);
    expect(stderr.match(/checked for structure only/g)).toHaveLength(1);
  });
});
