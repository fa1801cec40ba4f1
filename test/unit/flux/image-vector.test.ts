import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFluxRegistry } from '../../../src/api/constants.js';
import {
  decodeImageVector,
  fluxRegistryOfImageVector,
  mergeImageVectors,
} from '../../../src/flux/image-vector.js';
import { repoRoot } from '../../harness/assets.js';
import { readReleaseBundle } from './install/release-bundle.js';

const vector = decodeImageVector(
  readFileSync(path.join(repoRoot, 'charts/images.yaml'), 'utf8'),
  'images.yaml',
);

describe('the image vector', () => {
  it('lists every controller image of the default Flux release with its tag', () => {
    const bundleImages = Object.values(readReleaseBundle().files)
      .flatMap((text) => [...text.matchAll(/image: fluxcd\/([a-z-]+):(v[0-9.]+)/g)])
      .map(([, name, tag]) => `${name ?? ''}:${tag ?? ''}`);
    const listed = vector.map((image) => `${image.name}:${image.tag ?? ''}`);
    expect(listed.sort()).toEqual([...new Set(bundleImages)].sort());
  });

  it('gives the built-in registry, and a mirror once IMAGEVECTOR_OVERWRITE moves every image', () => {
    expect(fluxRegistryOfImageVector(vector)).toBe(defaultFluxRegistry);
    const mirrored = mergeImageVectors(
      vector,
      vector.map((image) => ({ name: image.name, repository: `mirror.example/flux/${image.name}` })),
    );
    expect(fluxRegistryOfImageVector(mirrored)).toBe('mirror.example/flux');
    expect(mirrored.find((i) => i.name === 'source-controller')?.tag).toBe('v1.9.3');
    // Moving only some images leaves no common registry to default to.
    const partial = mergeImageVectors(vector, [
      { name: 'helm-controller', repository: 'other.example/helm-controller' },
    ]);
    expect(fluxRegistryOfImageVector(partial)).toBeUndefined();
  });
});
