import { describe, expect, it } from 'vitest';
import {
  evaluateComponentHealth,
  evaluateFluxSync,
  evaluateSystemComponentsHealth,
} from '../../../src/flux/health.js';

function deployment(
  name: string,
  overrides: {
    generation?: number;
    replicas?: number;
    observedGeneration?: number;
    updated?: number;
    available?: number;
    progressing?: string;
    failure?: boolean;
  } = {},
) {
  const replicas = overrides.replicas ?? 1;
  return {
    metadata: { name, generation: overrides.generation ?? 1 },
    spec: { replicas },
    status: {
      observedGeneration: overrides.observedGeneration ?? overrides.generation ?? 1,
      replicas,
      updatedReplicas: overrides.updated ?? replicas,
      availableReplicas: overrides.available ?? replicas,
      conditions: [
        { type: 'Available', status: (overrides.available ?? replicas) >= replicas ? 'True' : 'False' },
        { type: 'Progressing', status: overrides.progressing ?? 'True', message: 'rollout stopped' },
        ...(overrides.failure ? [{ type: 'ReplicaFailure', status: 'True', message: 'quota exceeded' }] : []),
      ],
    },
  };
}

describe('evaluateComponentHealth', () => {
  it.each([
    ['available', deployment('a'), 'available'],
    ['new generation not observed', deployment('a', { generation: 2, observedGeneration: 1 }), 'progressing'],
    ['new replicas coming up', deployment('a', { updated: 0, available: 0 }), 'progressing'],
    ['rollout stopped', deployment('a', { available: 0, progressing: 'False' }), 'unavailable'],
    ['replica failure', deployment('a', { updated: 0, available: 0, failure: true }), 'unavailable'],
    ['all updated but not available', deployment('a', { available: 0 }), 'unavailable'],
    ['scaled to 0', deployment('a', { replicas: 0 }), 'unavailable'],
    ['missing', undefined, 'unavailable'],
  ])('%s', (_name, object, state) => {
    expect(evaluateComponentHealth('a', object).state).toBe(state);
  });

  it('says why a component is unavailable', () => {
    expect(evaluateComponentHealth('a', deployment('a', { replicas: 0 }))).toEqual({
      name: 'a',
      state: 'unavailable',
      message: 'scaled to 0 replicas',
    });
    expect(evaluateComponentHealth('a', undefined)).toEqual({
      name: 'a',
      state: 'unavailable',
      message: 'not found',
    });
  });
});

describe('evaluateSystemComponentsHealth', () => {
  it('is healthy when every installed controller is available, ignoring other Deployments', () => {
    const result = evaluateSystemComponentsHealth(
      'flux',
      ['a', 'b'],
      [deployment('a'), deployment('b'), deployment('x', { replicas: 0 })],
    );
    expect(result).toMatchObject({ state: 'healthy', problems: [] });
  });

  it('names every unavailable Deployment, and unavailable wins over progressing', () => {
    const result = evaluateSystemComponentsHealth(
      'flux',
      ['a', 'b', 'c'],
      [deployment('a', { generation: 2, observedGeneration: 1 }), deployment('b', { replicas: 0 })],
    );
    expect(result.state).toBe('unhealthy');
    expect(result.problems).toEqual([
      'Deployment flux/a: generation 2 not observed yet (observed 1)',
      'Deployment flux/b: scaled to 0 replicas',
      'Deployment flux/c: not found',
    ]);
  });

  it('is progressing while a rollout runs and nothing is unavailable', () => {
    const result = evaluateSystemComponentsHealth(
      'flux',
      ['a', 'b'],
      [deployment('a', { updated: 0, available: 0 }), deployment('b')],
    );
    expect(result.state).toBe('progressing');
  });
});

function fluxObject(generation: number, observed: number, conditions: Record<string, string>[]) {
  return { metadata: { generation }, status: { observedGeneration: observed, conditions } };
}

const source = (object: unknown) => ({ kind: 'GitRepository', namespace: 'flux', name: 'fs', object });
const kustomization = (object: unknown) => ({ kind: 'Kustomization', namespace: 'flux', name: 'fs', object });
const ready = fluxObject(1, 1, [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'ok' }]);

describe('evaluateFluxSync', () => {
  it('is synced when source and Kustomization are Ready for their generation', () => {
    expect(evaluateFluxSync([source(ready), kustomization(ready)])).toEqual({
      state: 'synced',
      reason: 'Succeeded',
      message: 'Kustomization flux/fs is ready',
    });
  });

  it('is failing with Flux reason and message for Ready=False of the current generation', () => {
    const failed = fluxObject(1, 1, [
      { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'bad yaml' },
    ]);
    expect(evaluateFluxSync([source(ready), kustomization(failed)])).toEqual({
      state: 'failing',
      reason: 'BuildFailed',
      message: 'Kustomization flux/fs: bad yaml',
    });
  });

  it('is failing with the Stalled reason', () => {
    const stalled = fluxObject(1, 1, [
      { type: 'Ready', status: 'False', reason: 'X', message: 'x' },
      { type: 'Stalled', status: 'True', reason: 'InvalidURL', message: 'bad url' },
    ]);
    expect(evaluateFluxSync([source(stalled), kustomization(ready)])).toMatchObject({
      state: 'failing',
      reason: 'InvalidURL',
    });
  });

  it('a failure decides over a missing object', () => {
    const failed = fluxObject(1, 1, [
      { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'bad' },
    ]);
    expect(evaluateFluxSync([source(undefined), kustomization(failed)]).state).toBe('failing');
  });

  it.each([
    ['missing', undefined, 'NotFound'],
    ['never reconciled', fluxObject(1, 0, []), 'NotReconciled'],
    [
      'Ready=False of an older generation',
      fluxObject(2, 1, [{ type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'x' }]),
      'BuildFailed',
    ],
    [
      'Ready=True of an older generation',
      fluxObject(2, 1, [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'x' }]),
      'Progressing',
    ],
  ])('is unknown when %s', (_name, object, reason) => {
    expect(evaluateFluxSync([source(ready), kustomization(object)])).toMatchObject({
      state: 'unknown',
      reason,
    });
  });

  it('is unknown when nothing was bootstrapped', () => {
    expect(evaluateFluxSync([]).state).toBe('unknown');
  });
});
