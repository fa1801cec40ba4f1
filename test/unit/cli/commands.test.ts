import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { runCliInProcess as cli } from './support/cli.js';

// The commands' behaviour, run in process; binary.test.ts covers what is about the process.
let dir = '';
beforeAll(() => {
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
  it('accepts a valid FluxConfig and prints the JSON report', async () => {
    const { code, stdout } = await cli(['validate', '-f', '-', '-o', 'json'], fluxConfig);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { source: 'stdin#0', kind: 'FluxConfig', valid: true, errors: [], warnings: [] },
    ]);
  });

  it('reports errors with paths inside the Extension and exits 1', async () => {
    const { code, stdout } = await cli(
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

  it("checks a Shoot's shoot-flux extensions against its resources", async () => {
    const { code, stdout } = await cli(['validate', '-f', '-', '-o', 'json'], shoot);
    expect(code).toBe(1);
    const [report] = JSON.parse(stdout) as { errors: { field: string }[]; warnings: { field: string }[] }[];
    expect(report?.errors.map((e) => e.field)).toEqual([
      'spec.extensions[1].providerConfig.additionalSecretResources[0].name',
    ]);
    expect(report?.warnings.map((w) => w.field)).toEqual([
      'spec.extensions[1].providerConfig.source.template',
    ]);
  });

  it('prints one line per error and warning in text mode, naming the file and document', async () => {
    const file = join(dir, 'mixed.yaml');
    writeFileSync(file, `${fluxConfig}---\n${invalidExtension}`);
    const { code, stdout } = await cli(['validate', '-f', file]);
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
  ])('exits 2 on %s', async (_, args, input) => {
    const { code, stderr } = await cli(args, input);
    expect(code).toBe(2);
    expect(stderr).not.toBe('');
  });
});

describe('render', () => {
  it('prints the bootstrap objects in apply order as a YAML stream', async () => {
    const valid = shoot.replace(
      '          - name: settings\n',
      '          - name: git-credentials\n            targetName: git-extra\n',
    );
    const { code, stdout } = await cli(['render', '-f', '-'], valid);
    expect(code).toBe(0);
    const objects = yaml.loadAll(stdout) as {
      kind: string;
      metadata: { name: string; namespace?: string };
    }[];
    expect(objects.map((o) => [o.kind, o.metadata.namespace ?? '', o.metadata.name])).toEqual([
      ['Namespace', '', 'apps'],
      ['GitRepository', 'apps', 'flux-system'],
      ['Secret', 'apps', 'flux-system'],
      ['Secret', 'flux-system', 'git-extra'],
      ['Kustomization', 'apps', 'flux-system'],
    ]);
  });

  it('prints a List with -o json, the source in the apiVersion it is written in', async () => {
    const oci = fluxConfig
      .replace(
        'source.toolkit.fluxcd.io/v1\n    kind: GitRepository',
        'source.toolkit.fluxcd.io/v1beta2\n    kind: OCIRepository',
      )
      .replace('https://github.com/org/repo', 'oci://ghcr.io/org/manifests')
      .replace('{branch: main}', '{tag: latest}');
    const { code, stdout, stderr } = await cli(['render', '-f', '-', '-o', 'json'], oci);
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

  it('notes what the syncMode keeps applying after the bootstrap', async () => {
    const once = await cli(['render', '-f', '-'], fluxConfig);
    expect(once.stderr).toContain('note: syncMode Once: these objects are applied once');
    const full = await cli(['render', '-f', '-'], `syncMode: Full\n${fluxConfig}`);
    expect(full.code).toBe(0);
    expect(full.stderr).toContain('note: syncMode Full:');
    const wrong = await cli(['render', '-f', '-'], `syncMode: Always\n${fluxConfig}`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('syncMode: Unsupported value: "Always"');
  });

  it('prints the errors and nothing else for invalid input', async () => {
    const { code, stdout, stderr } = await cli(['render', '-f', '-'], invalidExtension);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('spec.providerConfig.source.template.spec.url: Required value');
  });

  it('exits 2 on unreadable input', async () => {
    expect((await cli(['render', '-f', '-'], '{')).code).toBe(2);
  });
});

describe('migrate', () => {
  const migratedShoot = shoot.replace(
    '          template:\n            metadata:\n              namespace: apps\n',
    '          template:\n            apiVersion: source.toolkit.fluxcd.io/v1\n            kind: GitRepository\n            metadata:\n              namespace: apps\n',
  );

  it('adds apiVersion and kind to a legacy template and changes nothing else', async () => {
    const { code, stdout, stderr } = await cli(['migrate', '-f', '-'], shoot);
    expect(stdout).toBe(migratedShoot);
    expect(stderr).toContain('added apiVersion source.toolkit.fluxcd.io/v1 and kind GitRepository');
    // Still invalid after migration (settings is a ConfigMap): says why, exits 1.
    expect(code).toBe(1);
    expect(stderr).toContain('additionalSecretResources[0].name: Invalid value: "settings"');
  });

  it('is idempotent', async () => {
    const once = (await cli(['migrate', '-f', '-'], shoot)).stdout;
    expect((await cli(['migrate', '-f', '-'], once)).stdout).toBe(once);
  });

  it('converts OCIRepository templates to the apiVersion the Flux version serves, in any YAML style', async () => {
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
    const { code, stdout } = await cli(['migrate', '-f', '-'], input);
    expect(stdout).toBe(expected);
    expect(code).toBe(0);
    expect((await cli(['migrate', '-f', '-'], stdout)).stdout).toBe(stdout);
  });

  it('rewrites the file in place with --write', async () => {
    const file = join(dir, 'shoot.yaml');
    writeFileSync(file, shoot);
    const { stdout } = await cli(['migrate', '-f', file, '--write']);
    expect(stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(migratedShoot);
  });

  it.each([
    ['--write on standard input', ['migrate', '-f', '-', '--write'], shoot],
    ['unparsable YAML', ['migrate', '-f', '-'], 'a: "b'],
    ['a missing file', ['migrate', '-f', '/nonexistent/file.yaml'], ''],
  ])('exits 2 on %s', async (_, args, input) => {
    expect((await cli(args, input)).code).toBe(2);
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

  it.each(current)('%s is valid, in the current format, and renders', async (name) => {
    const { code, stdout } = await cli(['validate', '-f', example(name), '-o', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ valid: true, warnings: [] })]);
    expect((await cli(['render', '-f', example(name)])).code).toBe(0);
    expect((await cli(['migrate', '-f', example(name)])).stdout).toBe(readFileSync(example(name), 'utf8'));
  });

  it('30-extension-legacy.yaml is valid with a deprecation, and migrates to the current format', async () => {
    const { code, stdout } = await cli(['validate', '-f', example('30-extension-legacy.yaml'), '-o', 'json']);
    expect(code).toBe(0);
    const [report] = JSON.parse(stdout) as { warnings: { field: string }[] }[];
    expect(report?.warnings.map((w) => w.field)).toEqual(['spec.providerConfig.source.template']);
    const migrated = (await cli(['migrate', '-f', example('30-extension-legacy.yaml')])).stdout;
    const recheck = await cli(['validate', '-f', '-', '-o', 'json'], migrated);
    expect(JSON.parse(recheck.stdout)).toEqual([expect.objectContaining({ valid: true, warnings: [] })]);
  });
});

describe('untrusted input', () => {
  // 10 KB aliased 990 times: 10 MB of data from a 14 KB file, printed by render before the limit.
  const aliasBomb = fluxConfig.replace(
    '      path: clusters/production\n',
    `      path: clusters/production\n      postBuild: {substitute: {a: &s "${'z'.repeat(10_000)}"}}\n      components: [${Array<string>(990).fill('*s').join(', ')}]\n`,
  );

  it.each(['validate', 'render', 'install-manifests'])(
    '%s refuses an alias bomb with exit 2 and prints no data',
    async (command) => {
      const { code, stdout, stderr } = await cli([command, '-f', '-'], aliasBomb);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        'error: stdin: cannot read YAML: line 15, column 438: aliases expand to more than 1 MiB of data\n',
      );
    },
  );

  it('refuses standard input beyond 16 MiB without reading all of it', async () => {
    const { code, stderr } = await cli(
      ['validate', '-f', '-'],
      `${fluxConfig}#${'x'.repeat(17 * 1024 * 1024)}\n`,
    );
    expect(code).toBe(2);
    expect(stderr).toBe('error: stdin: cannot read YAML: input is larger than the limit of 16 MiB\n');
  });

  it('reads JSON', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(yaml.load(fluxConfig)));
    expect(await cli(['validate', '-f', file])).toMatchObject({
      code: 0,
      stdout: `${file}#0 (FluxConfig): valid\n`,
    });
  });

  it('escapes control characters of keys and values in text output', async () => {
    const hostile = fluxConfig.replace(
      'kind: FluxConfig\n',
      'kind: FluxConfig\n"x\\nstdin#0 (FluxConfig): valid\\u001b[2J": 1\n',
    );
    const { stdout } = await cli(['validate', '-f', '-'], hostile);
    expect(stdout).toBe(
      'stdin#0 (FluxConfig): warning: x\\nstdin#0 (FluxConfig): valid\\u001b[2J: unknown field, ignored\nstdin#0 (FluxConfig): valid\n',
    );
  });

  it('bounds a huge bad value in text and JSON output', async () => {
    const huge = fluxConfig.replace(
      'kind: FluxConfig\n',
      `kind: FluxConfig\nflux: {version: "v${'9'.repeat(1_000_000)}"}\n`,
    );
    const text = await cli(['validate', '-f', '-'], huge);
    expect(text.code).toBe(1);
    expect(text.stdout.length).toBeLessThan(10_000);
    // Bounded where the field error is built (src/log/truncate.ts); the CLI's own per-line bound
    // behind it is covered in text-output.test.ts.
    expect(text.stdout).toMatch(/… \(truncated, 1000001 bytes\)/);
    const json = await cli(['validate', '-f', '-', '-o', 'json'], huge);
    expect(json.stdout.length).toBeLessThan(10_000);
    expect(JSON.parse(json.stdout)).toMatchObject([{ valid: false }]);
  });
});
