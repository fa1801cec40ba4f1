// The CLI behaves like kubectl and flux where operators expect it to: flag spellings, data
// output formats, -f with directories and repeats, machine-readable input errors, help text,
// suggestions for typos, a version command.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFluxVersion } from '../../../src/api/constants.js';
import { buildProgram } from '../../../src/cli/program.js';
import { version } from '../../../src/cli/version.js';
import { findFluxBundleDir } from '../../harness/testdata.js';
import { runCliInProcess as cli } from './support/cli.js';

const valid = `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    spec: {url: https://github.com/org/repo, ref: {branch: main}}
kustomization: {template: {spec: {path: .}}}
`;
const legacy = valid.replace('    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n', '');
const invalid = 'kind: FluxConfig\nflux: {version: latest}\n';

let dir = '';
let bases = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shoot-flux-conventions-'));
  bases = join(dir, 'bundles');
  mkdirSync(bases);
  symlinkSync(findFluxBundleDir(), join(bases, 'v2.9.2'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(relative: string, text: string): string {
  const file = join(dir, relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('-o spellings', () => {
  it.each([
    ['validate', ['-f', '-']],
    ['render', ['-f', '-']],
    ['version', []],
  ])('%s accepts -o json, -o=json, --output json and --output=json alike', async (command, rest) => {
    const outputs = await Promise.all(
      [['-o', 'json'], ['-o=json'], ['--output', 'json'], ['--output=json'], ['-ojson']].map((flag) =>
        cli([command, ...rest, ...flag], valid),
      ),
    );
    for (const output of outputs) expect(output).toEqual(outputs[0]);
    expect(outputs[0]?.code).toBe(0);
    expect(() => JSON.parse(outputs[0]?.stdout ?? '') as unknown).not.toThrow();
  });

  it('install-manifests accepts -o=json', async () => {
    const { code, stdout } = await cli(['install-manifests', `--flux-manifests-base=${bases}`, '-o=json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { items: unknown[] }).items).toHaveLength(32);
  });

  it('keeps -x=... after -- as it is', async () => {
    const { code, stderr } = await cli(['validate', '-f', '-', '--', '-o=json'], valid);
    expect(code).toBe(2);
    expect(stderr).toContain("too many arguments for 'validate'");
  });
});

describe('yaml output where output is data', () => {
  it('validate -o yaml prints the same report as -o json', async () => {
    const input = `${valid}---\n${invalid}`;
    const json = await cli(['validate', '-f', '-', '-o', 'json'], input);
    const yamlOutput = await cli(['validate', '-f', '-', '-o', 'yaml'], input);
    expect(yamlOutput.code).toBe(1);
    expect(yaml.load(yamlOutput.stdout)).toEqual(JSON.parse(json.stdout));
  });

  it('version -o yaml', async () => {
    const { stdout } = await cli(['version', '-o', 'yaml']);
    expect(yaml.load(stdout)).toEqual({ version, defaultFluxVersion, nodeVersion: process.version });
  });
});

describe('-f like kubectl', () => {
  it('reads every *.yaml, *.yml and *.json file of a directory, sorted, and names each in source', async () => {
    const shoots = join(dir, 'shoots');
    write('shoots/b.yml', valid);
    write('shoots/a.yaml', `${valid}---\n${valid}`);
    write('shoots/c.json', JSON.stringify(yaml.load(valid)));
    write('shoots/README.md', 'not: read');
    write('shoots/nested/d.yaml', invalid); // not recursive, like kubectl without -R
    mkdirSync(join(shoots, 'dir.yaml'));
    const { code, stdout } = await cli(['validate', '-f', shoots, '-o', 'json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { source: string }[]).map((r) => r.source)).toEqual([
      `${shoots}/a.yaml#0`,
      `${shoots}/a.yaml#1`,
      `${shoots}/b.yml#0`,
      `${shoots}/c.json#0`,
    ]);
  });

  it('concatenates repeated -f, standard input included, in order', async () => {
    const one = write('repeat/one.yaml', valid);
    const two = write('repeat/two.yaml', invalid);
    const { code, stdout } = await cli(['validate', '-f', two, '-f', '-', '-f', one], valid);
    expect(code).toBe(1);
    expect(stdout.split('\n').filter((l) => l.endsWith('valid') || l.includes('error:'))).toEqual([
      `${two}#0 (FluxConfig): error: flux.version: Invalid value: "latest": must be a Flux release of the form vMAJOR.MINOR.PATCH, e.g. v2.9.2`,
      'stdin#0 (FluxConfig): valid',
      `${one}#0 (FluxConfig): valid`,
    ]);
  });

  it('render and install-manifests take repeated -f too', async () => {
    const one = write('render/one.yaml', valid);
    const { code, stdout } = await cli(['render', '-f', one, '-f', one, '-o', 'json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { items: unknown[] }).items).toHaveLength(4);
    const install = await cli(['install-manifests', `--flux-manifests-base=${bases}`, '-f', one, '-f', one]);
    expect(install.code).toBe(0);
    expect(install.stdout.match(/^# Flux Version: v2\.9\.2$/gm)).toHaveLength(2);
  });

  it('refuses -f - twice: standard input can be read once', async () => {
    const { code, stderr } = await cli(['validate', '-f', '-', '-f', '-'], valid);
    expect(code).toBe(2);
    expect(stderr).toBe('error: standard input (-f -) can be read only once\n');
  });

  it('migrate -f DIR --write rewrites each file that needs it', async () => {
    const a = write('migrate-dir/a.yaml', legacy);
    const b = write('migrate-dir/b.yaml', valid);
    write('migrate-dir/c.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
    const { code, stderr } = await cli(['migrate', '-f', join(dir, 'migrate-dir'), '--write']);
    expect(code).toBe(0);
    expect(stderr).toContain(`${a}#0 (FluxConfig): source.template: added apiVersion`);
    expect(readFileSync(a, 'utf8')).toBe(valid);
    expect(readFileSync(b, 'utf8')).toBe(valid);
  });

  it('migrate with several files prints one stream, --- between files', async () => {
    const a = write('migrate-two/a.yaml', legacy);
    const b = write('migrate-two/b.yaml', valid.trimEnd()); // no final newline
    const { code, stdout } = await cli(['migrate', '-f', a, '-f', b]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${valid}---\n${valid}`);
  });
});

describe('input errors in JSON and YAML output', () => {
  it('prints a result carrying a parse error, and exits 2', async () => {
    const { code, stdout, stderr } = await cli(['validate', '-f', '-', '-o', 'json'], 'a: [b\n');
    expect(code).toBe(2);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual([
      {
        source: 'stdin',
        valid: false,
        inputError: {
          code: 'InvalidSyntax',
          message: expect.stringMatching(/^stdin: cannot read YAML: line 2, column 1: /) as unknown,
          line: 2,
          column: 1,
        },
        errors: [],
        warnings: [],
      },
    ]);
  });

  it('keeps the results of the files that could be read', async () => {
    const good = write('mixed/good.yaml', valid);
    const bad = write('mixed/bad.yaml', 'a: 1\na: 2\n');
    const { code, stdout } = await cli([
      'validate',
      '-f',
      bad,
      '-f',
      good,
      '-f',
      join(dir, 'missing.yaml'),
      '-o',
      'yaml',
    ]);
    expect(code).toBe(2);
    expect(yaml.load(stdout)).toMatchObject([
      { source: bad, valid: false, inputError: { code: 'InvalidSyntax', line: 2 } },
      { source: `${good}#0`, kind: 'FluxConfig', valid: true },
      { source: join(dir, 'missing.yaml'), valid: false, inputError: { code: 'Unreadable' } },
    ]);
  });

  it('says in text output which file could not be read, on standard error', async () => {
    const good = write('mixed-text/good.yaml', valid);
    const { code, stdout, stderr } = await cli(['validate', '-f', good, '-f', '-'], '{');
    expect(code).toBe(2);
    expect(stdout).toBe(`${good}#0 (FluxConfig): valid\n`);
    expect(stderr).toMatch(/^error: stdin: cannot read YAML: line \d+, column \d+: /);
  });
});

describe('documents of an unknown kind', () => {
  it('say which document has which kind and what is accepted', async () => {
    const input = `apiVersion: flux.extensions.gardener.cloud/v1alpha1\nkind: FluxConfiguration\n---\napiVersion: extensions.gardener.cloud/v1alpha1\nkind: Extension\nspec: {type: shoot-dns-service}\n---\n- a list\n---\n`;
    const { code, stderr } = await cli(['validate', '-f', '-'], input);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'error: no shoot-flux providerConfig found: stdin#0 has kind "FluxConfiguration" ("flux.extensions.gardener.cloud/v1alpha1"); ' +
        'stdin#1 is an Extension of type "shoot-dns-service"; stdin#2 is a list, not an object; stdin#3 is empty; ' +
        'accepted: FluxConfig (flux.extensions.gardener.cloud/v1alpha1), Extension (extensions.gardener.cloud/v1alpha1) of type shoot-flux, ' +
        'Shoot (core.gardener.cloud/v1beta1) with a spec.extensions[] entry of type shoot-flux\n',
    );
  });

  it('say so for empty input and in JSON output', async () => {
    const { code, stdout } = await cli(['validate', '-f', '-', '-o', 'json'], '');
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject([
      {
        source: 'stdin',
        valid: false,
        inputError: {
          code: 'NothingToCheck',
          message: expect.stringContaining('stdin holds no document') as unknown,
        },
      },
    ]);
  });
});

describe('help', () => {
  const commands = buildProgram()
    .commands.map((command) => command.name())
    .filter((name) => name !== 'help');

  it.each(['', ...commands])('%s --help has Examples and Exit codes', async (command) => {
    const { code, stdout } = await cli([...(command === '' ? [] : [command]), '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/\nExamples:\n {2}# .+\n {2}gardener-extension-shoot-flux /);
    expect(stdout).toMatch(/\nExit codes:\n {2}0 {2}.+\n/);
    // A list default printed as `[]` says nothing (run's flags are their own work item).
    if (command !== 'run') expect(stdout).not.toContain('(default: [])');
  });

  it('has a version command', async () => {
    expect(await cli(['version'])).toEqual({
      code: 0,
      stdout: `gardener-extension-shoot-flux ${version}\ndefault Flux version: ${defaultFluxVersion}\nNode.js: ${process.version}\n`,
      stderr: '',
    });
  });
});

describe('typos', () => {
  it.each([
    [['validate', '--filenam', 'x.yaml'], "error: unknown option '--filenam'\n(Did you mean --filename?)"],
    [['render', '-f', '-', '--outptu', 'json'], "error: unknown option '--outptu'\n(Did you mean --output?)"],
    [['valdate'], "error: unknown command 'valdate'\n(Did you mean validate?)"],
    [['install-manifests', '--flux-manifest-base', 'x'], '(Did you mean --flux-manifests-base?)'],
  ])('%j gets a suggestion and exit 2', async (args, message) => {
    const { code, stderr } = await cli(args, valid);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('a missing -f is still a usage error', async () => {
    expect(await cli(['validate'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "error: required option '-f, --filename <file>' not specified\n",
    });
  });
});
