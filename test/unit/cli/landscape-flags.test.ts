import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLandscapePolicy, readImageVectorRegistry } from '../../../src/cli/landscape-flags.js';

describe('landscape flags', () => {
  it('take the registry an IMAGEVECTOR_OVERWRITE implies, unless --default-flux-registry says otherwise', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'imagevector-'));
    try {
      const file = path.join(dir, 'images.yaml');
      const names = [
        'source-controller',
        'kustomize-controller',
        'helm-controller',
        'notification-controller',
      ];
      const moved = ['image-reflector-controller', 'image-automation-controller', 'source-watcher', ...names];
      writeFileSync(
        file,
        `images:\n${moved.map((n) => `  - name: ${n}\n    repository: mirror.example/flux/${n}\n`).join('')}`,
      );
      const registry = readImageVectorRegistry({ IMAGEVECTOR_OVERWRITE: file });
      expect(registry).toBe('mirror.example/flux');
      expect(buildLandscapePolicy({}, registry)).toEqual({ defaultRegistry: 'mirror.example/flux' });
      expect(buildLandscapePolicy({ defaultFluxRegistry: 'own.example/flux' }, registry)).toEqual({
        defaultRegistry: 'own.example/flux',
      });
      expect(readImageVectorRegistry({})).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
