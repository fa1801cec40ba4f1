import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

// These tests run the BUILT CLI as a black box: `npm run build` first (`npm test` does).
const main = join(import.meta.dirname, '../../../dist/cli/main.js');

function cli(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [main, ...args], { input: input ?? '', encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir = '';
beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
  dir = mkdtempSync(join(tmpdir(), 'shoot-flux-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const fluxConfig = `apiVersion: flux.extensions.gardener.cloud/v1alpha1
kind: FluxConfig
source:
  template:
    apiVersion: source.toolkit.fluxcd.io/v1
    kind: GitRepository
    spec:
      url: https://github.com/org/repo
      ref: {branch: main}
kustomization:
  template:
    spec:
      path: clusters/production
`;

const invalidExtension = `apiVersion: extensions.gardener.cloud/v1alpha1
kind: Extension
metadata: {name: shoot-flux, namespace: shoot--project--shoot}
spec:
  type: shoot-flux
  providerConfig:
    apiVersion: flux.extensions.gardener.cloud/v1alpha1
    kind: FluxConfig
    flux: {version: latest}
    source:
      template:
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        spec: {ref: {branch: main}}
    kustomization:
      template: {spec: {path: .}}
`;

const otherExtension = `apiVersion: extensions.gardener.cloud/v1alpha1
kind: Extension
metadata: {name: dns, namespace: shoot--project--shoot}
spec: {type: shoot-dns-service}
`;

const shoot = `# The shoot of team A
apiVersion: core.gardener.cloud/v1beta1
kind: Shoot
metadata:
  name: my-shoot # keep this comment
  namespace: garden-project
spec:
  resources:
    - name: git-credentials
      resourceRef: {apiVersion: v1, kind: Secret, name: my-git-secret}
    - name: settings
      resourceRef: {apiVersion: v1, kind: ConfigMap, name: settings}
  extensions:
    - type: shoot-dns-service
    - type: shoot-flux
      providerConfig:
        apiVersion: flux.extensions.gardener.cloud/v1alpha1
        kind: FluxConfig
        source:
          secretResourceName: git-credentials
          # legacy: no apiVersion and kind
          template:
            metadata:
              namespace: apps
            spec:
              url: ssh://git@github.com/org/repo # over ssh
              ref:
                branch: main
        kustomization:
          template:
            metadata: {namespace: apps}
            spec:
              path: clusters/production
              sourceRef: {namespace: apps}
        additionalSecretResources:
          - name: settings
`;

describe('validate', () => {
  it('accepts a valid FluxConfig and prints the JSON report', () => {
    const { code, stdout } = cli(['validate', '-f', '-', '-o', 'json'], fluxConfig);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { source: 'stdin#0', kind: 'FluxConfig', valid: true, errors: [], warnings: [] },
    ]);
  });

  it('reports errors with paths inside the Extension and exits 1', () => {
    const { code, stdout } = cli(
      ['validate', '-f', '-', '-o', 'json'],
      `${otherExtension}---\n${invalidExtension}`,
    );
    expect(code).toBe(1);
    const [report] = JSON.parse(stdout) as { source: string; valid: boolean; errors: unknown[] }[];
    expect(report).toMatchObject({ source: 'stdin#1', kind: 'Extension', valid: false });
    expect(report?.errors).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.providerConfig.flux.version',
        badValue: 'latest',
        detail: 'must be a Flux release of the form vMAJOR.MINOR.PATCH, e.g. v2.9.2',
      },
      {
        type: 'FieldValueRequired',
        field: 'spec.providerConfig.source.template.spec.url',
        detail: 'GitRepository must have a URL',
      },
    ]);
  });

  it("checks a Shoot's shoot-flux extensions against its resources", () => {
    const { code, stdout } = cli(['validate', '-f', '-', '-o', 'json'], shoot);
    expect(code).toBe(1);
    const [report] = JSON.parse(stdout) as { errors: { field: string }[]; warnings: { field: string }[] }[];
    expect(report?.errors.map((e) => e.field)).toEqual([
      'spec.extensions[1].providerConfig.additionalSecretResources[0].name',
    ]);
    expect(report?.warnings.map((w) => w.field)).toEqual([
      'spec.extensions[1].providerConfig.source.template',
    ]);
  });

  it('prints one line per error and warning in text mode, naming the file and document', () => {
    const file = join(dir, 'mixed.yaml');
    writeFileSync(file, `${fluxConfig}---\n${invalidExtension}`);
    const { code, stdout } = cli(['validate', '-f', file]);
    expect(code).toBe(1);
    expect(stdout.trim().split('\n')).toEqual([
      `${file}#0 (FluxConfig): valid`,
      `${file}#1 (Extension): error: spec.providerConfig.flux.version: Invalid value: "latest": must be a Flux release of the form vMAJOR.MINOR.PATCH, e.g. v2.9.2`,
      `${file}#1 (Extension): error: spec.providerConfig.source.template.spec.url: Required value: GitRepository must have a URL`,
    ]);
  });

  it.each([
    ['unparsable YAML', ['validate', '-f', '-'], 'a: [b\n'],
    ['nothing to check', ['validate', '-f', '-'], otherExtension],
    ['empty input', ['validate', '-f', '-'], ''],
    ['a missing file', ['validate', '-f', '/nonexistent/file.yaml'], ''],
    ['no -f', ['validate'], fluxConfig],
    ['an unknown output format', ['validate', '-f', '-', '-o', 'xml'], fluxConfig],
  ])('exits 2 on %s', (_, args, input) => {
    const { code, stderr } = cli(args, input);
    expect(code).toBe(2);
    expect(stderr).not.toBe('');
  });
});

describe('render', () => {
  it('prints the bootstrap objects in apply order as a YAML stream', () => {
    const valid = shoot.replace(
      '          - name: settings\n',
      '          - name: git-credentials\n            targetName: git-extra\n',
    );
    const { code, stdout } = cli(['render', '-f', '-'], valid);
    expect(code).toBe(0);
    const objects = parseAllDocuments(stdout).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string } },
    );
    expect(objects.map((o) => [o.kind, o.metadata.namespace ?? '', o.metadata.name])).toEqual([
      ['Namespace', '', 'apps'],
      ['GitRepository', 'apps', 'flux-system'],
      ['Secret', 'apps', 'flux-system'],
      ['Secret', 'flux-system', 'git-extra'],
      ['Kustomization', 'apps', 'flux-system'],
    ]);
  });

  it('prints a List with -o json, the source in the apiVersion it is written in', () => {
    const oci = fluxConfig
      .replace(
        'source.toolkit.fluxcd.io/v1\n    kind: GitRepository',
        'source.toolkit.fluxcd.io/v1beta2\n    kind: OCIRepository',
      )
      .replace('https://github.com/org/repo', 'oci://ghcr.io/org/manifests')
      .replace('{branch: main}', '{tag: latest}');
    const { code, stdout, stderr } = cli(['render', '-f', '-', '-o', 'json'], oci);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as {
      apiVersion: string;
      kind: string;
      items: { apiVersion: string; kind: string }[];
    };
    expect(list.apiVersion).toBe('v1');
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => `${i.apiVersion} ${i.kind}`)).toEqual([
      'source.toolkit.fluxcd.io/v1 OCIRepository',
      'kustomize.toolkit.fluxcd.io/v1 Kustomization',
    ]);
    expect(stderr).toContain('warning: source.template.apiVersion');
  });

  it('prints the errors and nothing else for invalid input', () => {
    const { code, stdout, stderr } = cli(['render', '-f', '-'], invalidExtension);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('spec.providerConfig.source.template.spec.url: Required value');
  });

  it('exits 2 on unreadable input', () => {
    expect(cli(['render', '-f', '-'], '{').code).toBe(2);
  });
});

describe('migrate', () => {
  const migratedShoot = shoot.replace(
    '          template:\n            metadata:\n              namespace: apps\n',
    '          template:\n            apiVersion: source.toolkit.fluxcd.io/v1\n            kind: GitRepository\n            metadata:\n              namespace: apps\n',
  );

  it('adds apiVersion and kind to a legacy template and changes nothing else', () => {
    const { code, stdout, stderr } = cli(['migrate', '-f', '-'], shoot);
    expect(stdout).toBe(migratedShoot);
    expect(stderr).toContain('added apiVersion source.toolkit.fluxcd.io/v1 and kind GitRepository');
    // Still invalid after migration (settings is a ConfigMap): says why, exits 1.
    expect(code).toBe(1);
    expect(stderr).toContain('additionalSecretResources[0].name: Invalid value: "settings"');
  });

  it('is idempotent', () => {
    const once = cli(['migrate', '-f', '-'], shoot).stdout;
    expect(cli(['migrate', '-f', '-'], once).stdout).toBe(once);
  });

  it('converts OCIRepository templates to the apiVersion the Flux version serves, in any YAML style', () => {
    const input = `# first document is not ours and stays as it is
apiVersion: v1
kind:   ConfigMap   # odd spacing
---
kind: FluxConfig
apiVersion: flux.extensions.gardener.cloud/v1alpha1
source:
  template: {"apiVersion": "source.toolkit.fluxcd.io/v1beta2", "kind": "OCIRepository", "spec": {"url": "oci://r/m", "ref": {"tag": "v1"}}}
kustomization: {template: {spec: {path: .}}}
---
kind: FluxConfig
flux:
  version: v2.5.0
source:
  template:
    kind: OCIRepository
    apiVersion: 'source.toolkit.fluxcd.io/v1'
    spec: {url: oci://r/m, ref: {tag: v1}}
kustomization: {template: {spec: {path: .}}}
---
kind: FluxConfig
source:
  template: {spec: {url: https://github.com/org/repo, ref: {branch: main}}}
kustomization: {template: {spec: {path: .}}}
`;
    const expected = input
      .replace('"source.toolkit.fluxcd.io/v1beta2"', '"source.toolkit.fluxcd.io/v1"')
      .replace("'source.toolkit.fluxcd.io/v1'", "'source.toolkit.fluxcd.io/v1beta2'")
      .replace(
        '{spec: {url: https://github.com',
        '{apiVersion: source.toolkit.fluxcd.io/v1, kind: GitRepository, spec: {url: https://github.com',
      );
    const { code, stdout } = cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(expected);
    expect(code).toBe(0);
    expect(cli(['migrate', '-f', '-'], stdout).stdout).toBe(stdout);
  });

  it('rewrites the file in place with --write', () => {
    const file = join(dir, 'shoot.yaml');
    writeFileSync(file, shoot);
    const { stdout } = cli(['migrate', '-f', file, '--write']);
    expect(stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(migratedShoot);
  });

  it.each([
    ['--write on standard input', ['migrate', '-f', '-', '--write'], shoot],
    ['unparsable YAML', ['migrate', '-f', '-'], 'a: "b'],
    ['a missing file', ['migrate', '-f', '/nonexistent/file.yaml'], ''],
  ])('exits 2 on %s', (_, args, input) => {
    expect(cli(args, input).code).toBe(2);
  });
});

describe('example/', () => {
  const example = (name: string) => join(import.meta.dirname, '../../../example', name);
  const current = [
    '30-extension-git.yaml',
    '30-extension-oci.yaml',
    '40-shoot-git.yaml',
    '40-shoot-oci.yaml',
  ];

  it.each(current)('%s is valid, in the current format, and renders', (name) => {
    const { code, stdout } = cli(['validate', '-f', example(name), '-o', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ valid: true, warnings: [] })]);
    expect(cli(['render', '-f', example(name)]).code).toBe(0);
    expect(cli(['migrate', '-f', example(name)]).stdout).toBe(readFileSync(example(name), 'utf8'));
  });

  it('30-extension-legacy.yaml is valid with a deprecation, and migrates to the current format', () => {
    const { code, stdout } = cli(['validate', '-f', example('30-extension-legacy.yaml'), '-o', 'json']);
    expect(code).toBe(0);
    const [report] = JSON.parse(stdout) as { warnings: { field: string }[] }[];
    expect(report?.warnings.map((w) => w.field)).toEqual(['spec.providerConfig.source.template']);
    const migrated = cli(['migrate', '-f', example('30-extension-legacy.yaml')]).stdout;
    const recheck = cli(['validate', '-f', '-', '-o', 'json'], migrated);
    expect(JSON.parse(recheck.stdout)).toEqual([expect.objectContaining({ valid: true, warnings: [] })]);
  });
});
