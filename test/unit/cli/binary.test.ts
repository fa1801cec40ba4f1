// The built binary as a black box, for what is about the process rather than a command's logic:
// resource limits, exit codes of the process. Behaviour is tested in process (commands.test.ts).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runBuiltCli } from './support/cli.js';

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
