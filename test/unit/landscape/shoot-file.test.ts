import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildSeedNamespace,
  buildShootVariants,
  decodeLandscapeShoot,
  resolvePlaceholders,
} from '../../../hack/landscape/shoot-file.js';

const exampleFile = path.join(import.meta.dirname, '../../../example/landscape/shoot.yaml');
const example = () => decodeLandscapeShoot(readFileSync(exampleFile, 'utf8'), 'shoot.yaml');

/** The example with its source swapped for the OCI one the file's comment documents. */
function ociShootText(): string {
  return readFileSync(exampleFile, 'utf8')
    .replace('kind: GitRepository', 'kind: OCIRepository')
    .replace('url: http://landscape-git.invalid/fleet.git', 'url: oci://landscape-registry.invalid/fleet')
    .replace('branch: main', 'tag: v1')
    .replace('secretResourceName: git-credentials', 'secretResourceName: registry-credentials');
}

describe('decodeLandscapeShoot', () => {
  it('reads the example: a Git source served from ./fleet with the git-credentials secret', () => {
    const shoot = example();
    expect(shoot.spec).toMatchObject({ name: 'local', projectNamespace: 'garden-local' });
    expect(shoot.sourceKind).toBe('GitRepository');
    expect(shoot.served).toEqual({ kind: 'GitRepository', repository: 'fleet', tag: '' });
    expect(shoot.secretResourceName).toBe('git-credentials');
    expect(buildSeedNamespace(shoot.spec)).toBe('shoot--local--local');
  });

  it('recognises an OCIRepository on the placeholder registry, with its tag', () => {
    const shoot = decodeLandscapeShoot(ociShootText(), 'shoot.yaml');
    expect(shoot.served).toEqual({ kind: 'OCIRepository', repository: 'fleet', tag: 'v1' });
  });

  it('serves nothing for a URL that is not a placeholder', () => {
    const text = readFileSync(exampleFile, 'utf8').replace(
      'url: http://landscape-git.invalid/fleet.git',
      'url: https://github.com/org/fleet.git',
    );
    const shoot = decodeLandscapeShoot(text, 'shoot.yaml');
    expect(shoot.sourceKind).toBe('GitRepository');
    expect(shoot.served).toBeUndefined();
  });

  it('names the file when the shoot-flux entry is missing', () => {
    expect(() => decodeLandscapeShoot('metadata: {name: x}\nspec: {extensions: []}', 'my.yaml')).toThrow(
      /^my\.yaml: needs metadata\.name and a shoot-flux entry/,
    );
  });
});

describe('buildShootVariants', () => {
  it('keeps a single shoot as written', () => {
    const shoot = example();
    expect(buildShootVariants(shoot, 1)).toEqual([shoot]);
  });

  it('alternates the file’s source and the other kind, from the same directory, for --shoots 4', () => {
    const shoots = buildShootVariants(example(), 4);
    expect(shoots.map((s) => [s.spec.name, s.sourceKind, s.served?.repository])).toEqual([
      ['local-1', 'GitRepository', 'fleet'],
      ['local-2', 'OCIRepository', 'fleet'],
      ['local-3', 'GitRepository', 'fleet'],
      ['local-4', 'OCIRepository', 'fleet'],
    ]);
    expect(shoots[1]?.providerConfig.source).toEqual({
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        spec: {
          url: 'oci://landscape-registry.invalid/fleet',
          ref: { tag: 'latest' },
          interval: '1m',
          insecure: true,
        },
      },
      secretResourceName: 'registry-credentials',
    });
    // Everything but the source stays as written.
    expect(shoots[1]?.providerConfig.kustomization).toEqual(example().providerConfig.kustomization);
  });

  it('adds the other kind’s credentials resource when the file lacks it', () => {
    const text = ociShootText().replace(/ {4}- name: git-credentials\n(?: {6}.*\n){4}/, '');
    const base = decodeLandscapeShoot(text, 'shoot.yaml');
    expect(base.spec.resources?.map((r) => r.name)).toEqual(['registry-credentials']);
    const [, git] = buildShootVariants(base, 2);
    expect(git?.sourceKind).toBe('GitRepository');
    expect(git?.spec.resources).toContainEqual({
      name: 'git-credentials',
      resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'fleet-git-credentials' },
    });
  });

  it('refuses to alternate without a source', () => {
    const shoot = { ...example(), sourceKind: undefined };
    expect(() => buildShootVariants(shoot, 2)).toThrow(/needs a GitRepository or OCIRepository source/);
  });
});

describe('resolvePlaceholders', () => {
  it('points the placeholder hosts at the landscape’s Git server and registry', () => {
    const config = {
      source: { template: { spec: { url: 'http://landscape-git.invalid/fleet.git' } } },
      other: 'oci://landscape-registry.invalid/fleet',
    };
    expect(
      resolvePlaceholders(config, { gitBaseUrl: 'http://127.0.0.1:1234', registryHost: '127.0.0.1:5678' }),
    ).toEqual({
      source: { template: { spec: { url: 'http://127.0.0.1:1234/fleet.git' } } },
      other: 'oci://127.0.0.1:5678/fleet',
    });
  });
});
