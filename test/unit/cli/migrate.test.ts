import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeYamlInput } from '../../../src/api/yaml-input.js';
import { runCliInProcess as cli } from './support/cli.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoot-flux-migrate-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A FluxConfig whose source template starts with `typeMeta` lines (indented by 4). */
function config(typeMeta: string): string {
  return `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
${typeMeta}    spec:
      url: https://github.com/org/repo
      ref: {branch: main}
kustomization: {template: {spec: {path: .}}}
`;
}

const migratedTypeMeta = '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n';

describe('migrate on empty apiVersion and kind', () => {
  // validate reads "" and null as unset and tells the user to run migrate: migrate must then
  // set the existing entries rather than add second ones.
  it.each([
    [
      'apiVersion: ""',
      '    apiVersion: ""\n',
      '    kind: GitRepository\n    apiVersion: "source.toolkit.fluxcd.io/v1"\n',
    ],
    [
      'kind: ""',
      '    kind: ""\n',
      '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: "GitRepository"\n',
    ],
    [
      'kind: null',
      '    kind: null\n',
      '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n',
    ],
    ['kind: ~', '    kind: ~\n', '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n'],
    [
      'kind with no value',
      '    kind:\n',
      '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n',
    ],
    [
      'kind with a comment only',
      '    kind: # fill in\n',
      '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository # fill in\n',
    ],
    [
      'both empty',
      "    apiVersion: ''\n    kind: null\n",
      "    apiVersion: 'source.toolkit.fluxcd.io/v1'\n    kind: GitRepository\n",
    ],
    [
      'both, kind first',
      '    kind: ""\n    apiVersion: ""\n',
      '    kind: "GitRepository"\n    apiVersion: "source.toolkit.fluxcd.io/v1"\n',
    ],
  ])('%s: sets the entries in place, with no duplicate key', async (_, before, after) => {
    const { code, stdout, stderr } = await cli(['migrate', '-f', '-'], config(before));
    expect(stderr).toContain('added apiVersion source.toolkit.fluxcd.io/v1 and kind GitRepository');
    expect(stderr).not.toContain('cannot read YAML');
    expect(stdout).toBe(config(after));
    expect(code).toBe(0);
    expect(decodeYamlInput(stdout).ok).toBe(true);
    expect((await cli(['validate', '-f', '-', '-o', 'json'], stdout)).stdout).toContain('"warnings": []');
    expect((await cli(['migrate', '-f', '-'], stdout)).stdout).toBe(stdout);
  });

  it('sets them in a flow map too', async () => {
    const input = config('').replace(
      '  template:\n    spec:\n      url: https://github.com/org/repo\n      ref: {branch: main}\n',
      '  template: {kind: , apiVersion: "", spec: {url: "https://github.com/org/repo", ref: {branch: main}}}\n',
    );
    const { code, stdout } = await cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(
      input.replace(
        '{kind: , apiVersion: ""',
        '{kind: GitRepository, apiVersion: "source.toolkit.fluxcd.io/v1"',
      ),
    );
    expect(code).toBe(0);
  });

  it('leaves a tagged value alone and says to edit it by hand', async () => {
    const input = config('    kind: !!null\n');
    const { code, stdout, stderr } = await cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(input);
    expect(stderr).toContain('source.template: cannot migrate this YAML node');
    expect(code).toBe(0);
  });
});

describe('migrate keeps every byte outside the edit', () => {
  it('keeps CRLF line endings, also in the lines it adds', async () => {
    const input = config('').replaceAll('\n', '\r\n');
    const { code, stdout } = await cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(config(migratedTypeMeta).replaceAll('\n', '\r\n'));
    expect(code).toBe(0);
  });

  it('keeps a byte-order mark', async () => {
    const { stdout } = await cli(['migrate', '-f', '-'], `\uFEFF${config('')}`);
    expect(stdout).toBe(`\uFEFF${config(migratedTypeMeta)}`);
  });

  it('refuses bytes that are not UTF-8 before changing anything', async () => {
    const file = join(dir, 'latin1.yaml');
    const bytes = Buffer.concat([Buffer.from(config('')), Buffer.from('# Gr\xfc\xdfe\n', 'latin1')]);
    writeFileSync(file, bytes);
    const { code, stdout, stderr } = await cli(['migrate', '-f', file, '--write']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `error: ${file}: not UTF-8: invalid byte 0xfc at byte offset ${config('').length + 4} (line 9); migrate edits UTF-8 text only\n`,
    );
    expect(readFileSync(file)).toEqual(bytes);
  });

  it('reads and edits a file of 20000 keys', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `      k${i}: v${i}\n`).join('');
    const input = config('').replace('    spec:\n', `    spec:\n${keys}`);
    const { stdout, stderr } = await cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(config(migratedTypeMeta).replace('    spec:\n', `    spec:\n${keys}`));
    expect(stderr).toContain('added apiVersion');
  });
});

describe('migrate --write', () => {
  it('replaces the file in one rename, keeping its mode and leaving no temporary file', async () => {
    const work = mkdtempSync(join(dir, 'write-'));
    const file = join(work, 'shoot.yaml');
    writeFileSync(file, config(''));
    chmodSync(file, 0o640);
    const inode = statSync(file).ino;
    const { code, stdout } = await cli(['migrate', '-f', file, '--write']);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(config(migratedTypeMeta));
    expect(statSync(file).mode & 0o777).toBe(0o640);
    // A new inode: the content was never rewritten in place, where a failed write truncates.
    expect(statSync(file).ino).not.toBe(inode);
    expect(readdirSync(work)).toEqual(['shoot.yaml']);
  });

  it('writes through a symlink, which stays a symlink', async () => {
    const work = mkdtempSync(join(dir, 'link-'));
    writeFileSync(join(work, 'real.yaml'), config(''));
    symlinkSync('real.yaml', join(work, 'link.yaml'));
    expect((await cli(['migrate', '-f', join(work, 'link.yaml'), '--write'])).code).toBe(0);
    expect(lstatSync(join(work, 'link.yaml')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(work, 'real.yaml'), 'utf8')).toBe(config(migratedTypeMeta));
    expect(readdirSync(work).sort()).toEqual(['link.yaml', 'real.yaml']);
  });

  it('does not touch a file that needs no change', async () => {
    const file = join(dir, 'current.yaml');
    writeFileSync(file, config(migratedTypeMeta));
    const inode = statSync(file).ino;
    expect((await cli(['migrate', '-f', file, '--write'])).code).toBe(0);
    expect(statSync(file).ino).toBe(inode);
  });
});
