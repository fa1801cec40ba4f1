import { describe, expect, it } from 'vitest';
import { resolveFluxComponents } from '../../../src/api/components.js';

describe('resolveFluxComponents', () => {
  it.each([
    [
      'defaults',
      undefined,
      undefined,
      ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
    ],
    [
      'empty components keep defaults',
      [],
      undefined,
      ['source-controller', 'kustomize-controller', 'helm-controller', 'notification-controller'],
    ],
    [
      'components replace',
      ['source-controller', 'kustomize-controller'],
      undefined,
      ['source-controller', 'kustomize-controller'],
    ],
    [
      'extra appended, duplicates removed',
      ['source-controller', 'kustomize-controller'],
      ['kustomize-controller', 'source-watcher', 'source-watcher'],
      ['source-controller', 'kustomize-controller', 'source-watcher'],
    ],
    [
      'extra onto defaults',
      undefined,
      ['helm-controller', 'image-reflector-controller'],
      [
        'source-controller',
        'kustomize-controller',
        'helm-controller',
        'notification-controller',
        'image-reflector-controller',
      ],
    ],
  ])('%s', (_name, components, extra, expected) => {
    expect(resolveFluxComponents(components, extra)).toEqual(expected);
  });
});
