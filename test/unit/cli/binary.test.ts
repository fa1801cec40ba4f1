// The built binary as a black box, for what is about the process rather than a command's logic:
// resource limits, a closed pipe, exit codes of the process. Behaviour is tested in process (commands.test.ts).
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFluxBundleDir } from '../../harness/testdata.js';
import { requireBuiltCli, runBuiltCli, runBuiltCliClosingStdout } from './support/cli.js';

let dir = '';
beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(join(tmpdir(), 'shoot-flux-binary-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const legacyConfig = `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
    spec:
      url: https://github.com/org/repo
      ref: {branch: main}
kustomization: {template: {spec: {path: .}}}
`;

describe('migrate --write', () => {
  it('leaves the file whole when the write fails (here: a file-size limit below the new size)', async () => {
    const work = mkdtempSync(join(dir, 'fsize-'));
    const file = join(work, 'big.yaml');
    // About 300 KB: the comment pads it beyond the 100 KiB the shell lets the CLI write.
    const original = `${legacyConfig}${'# padding padding padding padding padding\n'.repeat(7000)}`;
    writeFileSync(file, original);
    const result = await runBuiltCli(['migrate', '-f', file, '--write'], { shellPrefix: 'ulimit -f 200' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`error: cannot write ${file}: `);
    expect(result.stderr).toContain('the file is unchanged');
    expect(readFileSync(file, 'utf8')).toBe(original);
    expect(readdirSync(work)).toEqual(['big.yaml']);
  });
});

describe('a closed standard output', () => {
  // Each output is far larger than a pipe's buffer, so the CLI is still writing when the reader
  // goes away.
  const manyConfigs = Array.from({ length: 400 }, () => legacyConfig).join('---\n');
  let bases = '';
  beforeAll(() => {
    bases = mkdtempSync(join(dir, 'bundles-'));
    symlinkSync(findFluxBundleDir(), join(bases, 'v2.9.2'));
  });

  it.each([
    ['install-manifests', ['install-manifests', '--flux-manifests-base', '<bases>'], ''],
    ['render', ['render', '-f', '-'], manyConfigs],
    ['render -o json', ['render', '-f', '-', '-o', 'json'], manyConfigs],
    ['validate -o json', ['validate', '-f', '-', '-o', 'json'], manyConfigs],
    ['validate', ['validate', '-f', '-'], manyConfigs],
    ['migrate', ['migrate', '-f', '-'], manyConfigs],
  ])('ends %s quietly with exit 0, as Unix tools do', async (_, args, input) => {
    const result = await runBuiltCliClosingStdout(
      args.map((arg) => (arg === '<bases>' ? bases : arg)),
      input,
    );
    expect(result.stderr).not.toMatch(/EPIPE|at .*\.js:\d+/);
    expect(result.code).toBe(0);
  });
});

describe('exit codes of the process', () => {
  it.each([
    { args: ['validate', '-f', '-'], input: legacyConfig, code: 0 },
    { args: ['validate', '-f', '-'], input: 'kind: FluxConfig\nflux: {version: latest}\n', code: 1 },
    { args: ['validate', '-f', '-'], input: 'a: [', code: 2 },
    { args: ['validate', '--no-such-flag'], input: '', code: 2 },
    { args: ['version'], input: '', code: 0 },
  ])('$args with its input exits $code', async ({ args, input, code }) => {
    expect((await runBuiltCli(args, { input })).code).toBe(code);
  });
});
