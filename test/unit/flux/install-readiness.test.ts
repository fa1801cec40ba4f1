import { describe, expect, it } from 'vitest';
import { buildInstallReadinessTargets } from '../../../src/flux/install-readiness.js';
import { buildFluxInstallOptions } from '../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../src/flux/install/render.js';
import { readReleaseBundle } from './install/release-bundle.js';

describe('buildInstallReadinessTargets', () => {
  it('lists every CRD and every installed controller of a rendering', () => {
    const manifests = renderInstallManifests(
      readReleaseBundle(),
      buildFluxInstallOptions({ namespace: 'gitops', componentsExtra: ['source-watcher'] }),
    );
    const targets = buildInstallReadinessTargets(manifests, 'gitops');
    expect(targets.namespace).toBe('gitops');
    expect(targets.crds).toHaveLength(12);
    expect(targets.deployments).toEqual([
      'helm-controller',
      'kustomize-controller',
      'notification-controller',
      'source-controller',
      'source-watcher',
    ]);
  });
});
