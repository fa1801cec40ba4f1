import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../../src/api/evaluate.js';
import type { ShootHealthObservation } from '../../../../src/controller/shoot-flux/health-check.js';
import { buildHealthStatusUpdate } from '../../../../src/controller/shoot-flux/health-status.js';
import type { Extension } from '../../../../src/gardener/types.js';

const evaluation = evaluateFluxConfig({
  apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
  kind: 'FluxConfig',
  flux: { components: ['source-controller', 'kustomize-controller'] },
  source: {
    template: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } },
    },
  },
  kustomization: { template: { spec: { path: './' } } },
});
if (!evaluation.config) throw new Error('the test config is invalid');
const config = evaluation.config;

const ready = { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' };
function deployment(name: string) {
  return {
    metadata: { name, generation: 1 },
    spec: { replicas: 1, template: { spec: { containers: [{ image: `ghcr.io/fluxcd/${name}:v1` }] } } },
    status: {
      observedGeneration: 1,
      replicas: 1,
      updatedReplicas: 1,
      availableReplicas: 1,
      conditions: [{ type: 'Available', status: 'True' }],
    },
  };
}
const observation: ShootHealthObservation = {
  namespaceExists: true,
  deployments: [deployment('source-controller'), deployment('kustomize-controller')],
  source: {
    kind: 'GitRepository',
    namespace: 'flux-system',
    name: 'flux-system',
    object: {
      metadata: { generation: 1 },
      spec: { url: 'https://user:pw@git.example.com/r.git' },
      status: { observedGeneration: 1, conditions: [ready], artifact: { revision: 'main@sha1:abc' } },
    },
  },
  kustomization: {
    kind: 'Kustomization',
    namespace: 'flux-system',
    name: 'flux-system',
    object: {
      metadata: { generation: 1 },
      status: { observedGeneration: 1, conditions: [ready], lastAppliedRevision: 'main@sha1:abc' },
    },
  },
};

const extension: Extension = {
  metadata: { name: 'shoot-flux', namespace: 'shoot--a--b' },
  spec: { type: 'shoot-flux' },
  status: { state: { flux: { bootstrapped: true, fluxVersion: 'v2.9.2' } } },
};
const options = (now: string) => ({
  now: new Date(now),
  progressingThresholdMs: 60_000,
  heartbeatMs: 300_000,
});

/** The Extension after the patch was written (the status merged as the API server would). */
function written(base: Extension, patch: Extension['status']): Extension {
  return { ...base, status: { ...base.status, ...patch } };
}

describe('buildHealthStatusUpdate', () => {
  it('builds both conditions and the FluxStatus with a redacted URL', () => {
    const { patch, summary } = buildHealthStatusUpdate(
      extension,
      config,
      observation,
      options('2026-01-01T00:00:00Z'),
    );
    expect(patch?.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['SystemComponentsHealthy', 'True'],
      ['FluxSynced', 'True'],
    ]);
    expect(patch?.providerStatus).toEqual({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxStatus',
      version: 'v2.9.2',
      registry: 'ghcr.io/fluxcd',
      controllers: [
        { name: 'source-controller', images: ['ghcr.io/fluxcd/source-controller:v1'], ready: true },
        { name: 'kustomize-controller', images: ['ghcr.io/fluxcd/kustomize-controller:v1'], ready: true },
      ],
      source: {
        kind: 'GitRepository',
        namespace: 'flux-system',
        name: 'flux-system',
        url: 'https://***@git.example.com/r.git',
        revision: 'main@sha1:abc',
        ready: true,
      },
      kustomization: {
        namespace: 'flux-system',
        name: 'flux-system',
        lastAppliedRevision: 'main@sha1:abc',
        ready: true,
      },
      lastCheckTime: '2026-01-01T00:00:00Z',
    });
    expect(summary).toEqual({
      systemComponentsHealthy: true,
      synced: true,
      syncedReason: 'Succeeded',
      version: 'v2.9.2',
    });
  });

  it('writes nothing when only time passed, until the heartbeat is due', () => {
    const first = buildHealthStatusUpdate(extension, config, observation, options('2026-01-01T00:00:00Z'));
    const after = written(extension, first.patch);
    expect(
      buildHealthStatusUpdate(after, config, observation, options('2026-01-01T00:04:59Z')),
    ).toMatchObject({ patch: undefined, due: [] });
    const due = buildHealthStatusUpdate(after, config, observation, options('2026-01-01T00:05:00Z'));
    expect(due.due).toEqual(['heartbeat']);
    const heartbeat = due.patch;
    expect((heartbeat?.providerStatus as { lastCheckTime: string }).lastCheckTime).toBe(
      '2026-01-01T00:05:00Z',
    );
    // The heartbeat leaves the conditions' times alone (Gardener's builder moves them only on change).
    expect(heartbeat?.conditions).toEqual(after.status?.conditions);
  });

  it('writes when something changed before the heartbeat', () => {
    const first = buildHealthStatusUpdate(extension, config, observation, options('2026-01-01T00:00:00Z'));
    const after = written(extension, first.patch);
    const changed = { ...observation, deployments: [deployment('source-controller')] };
    const { patch, due, summary } = buildHealthStatusUpdate(
      after,
      config,
      changed,
      options('2026-01-01T00:00:30Z'),
    );
    expect(due).toEqual(['conditions', 'providerStatus']);
    expect(patch?.conditions?.[0]).toMatchObject({
      status: 'False',
      message: 'Deployment flux-system/kustomize-controller: not found',
    });
    expect(summary.systemComponentsHealthy).toBe(false);
  });

  it('reports a hibernated shoot hibernated and keeps its last FluxStatus', () => {
    const first = buildHealthStatusUpdate(extension, config, observation, options('2026-01-01T00:00:00Z'));
    const after = written(extension, first.patch);
    const { patch } = buildHealthStatusUpdate(after, config, 'hibernated', options('2026-01-01T00:00:30Z'));
    expect(patch?.providerStatus).toBeUndefined();
    expect(patch?.conditions?.map((c) => [c.status, c.message])).toEqual([
      ['True', 'Shoot is hibernated'],
      ['True', 'Shoot is hibernated'],
    ]);
  });

  it('keeps conditions it does not own', () => {
    const bootstrapped: Extension = {
      ...extension,
      status: {
        ...extension.status,
        conditions: [
          {
            type: 'FluxBootstrapped',
            status: 'True',
            reason: 'B',
            message: 'b',
            lastTransitionTime: 'x',
            lastUpdateTime: 'x',
          },
        ],
      },
    };
    const { patch } = buildHealthStatusUpdate(
      bootstrapped,
      config,
      observation,
      options('2026-01-01T00:00:00Z'),
    );
    expect(patch?.conditions?.map((c) => c.type)).toEqual([
      'FluxBootstrapped',
      'SystemComponentsHealthy',
      'FluxSynced',
    ]);
  });
});
