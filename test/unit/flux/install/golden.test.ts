import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../src/flux/install/manifest.js';
import { buildFluxInstallOptions, type FluxInstallationSpec } from '../../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../../src/flux/install/render.js';
import { renderManifestsYaml } from '../../../../src/flux/install/yaml.js';
import { readReleaseBundle } from './release-bundle.js';

/**
 * CRD schemas are upstream data the renderer passes through untouched: the goldens pin their
 * metadata and a digest of their spec, and every other object in full. Update with `vitest -u`
 * after reviewing the diff against `flux install --export` of the same release.
 */
function withCrdSpecDigests(manifests: Manifest[]): Manifest[] {
  return manifests.map((m) =>
    m.kind === 'CustomResourceDefinition'
      ? { ...m, spec: { sha256: createHash('sha256').update(JSON.stringify(m.spec)).digest('hex') } }
      : m,
  );
}

const bundle = readReleaseBundle();

describe('install manifests golden files', () => {
  it.each([
    ['default.yaml', {}],
    [
      'custom.yaml',
      {
        namespace: 'gitops',
        registry: 'registry.example.com/mirror/fluxcd',
        components: ['source-controller', 'kustomize-controller'],
        componentsExtra: ['source-watcher', 'kustomize-controller'],
      },
    ],
  ] as [string, FluxInstallationSpec][])('%s', async (file, spec) => {
    const options = buildFluxInstallOptions(spec);
    const manifests = renderInstallManifests(bundle, options);
    await expect(renderManifestsYaml(withCrdSpecDigests(manifests), options)).toMatchFileSnapshot(
      `golden/${file}`,
    );
  });
});
