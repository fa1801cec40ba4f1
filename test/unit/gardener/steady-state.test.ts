import { describe, expect, it } from 'vitest';
import type { OperationState, OperationType } from '../../../src/gardener/constants.js';
import { isSteadyReconcile } from '../../../src/gardener/steady-state.js';
import type { Extension } from '../../../src/gardener/types.js';

function extension(overrides: {
  type?: OperationType;
  state?: OperationState;
  generation?: number;
  observedGeneration?: number;
  lastError?: boolean;
}): Extension {
  return {
    apiVersion: 'extensions.gardener.cloud/v1alpha1',
    kind: 'Extension',
    metadata: { name: 'shoot-flux', namespace: 'shoot--p--s', generation: overrides.generation ?? 2 },
    spec: { type: 'shoot-flux' },
    status: {
      lastOperation: {
        type: overrides.type ?? 'Reconcile',
        state: overrides.state ?? 'Succeeded',
        progress: 100,
        description: 'Successfully reconciled Extension',
        lastUpdateTime: '2025-01-01T00:00:00Z',
      },
      observedGeneration: overrides.observedGeneration ?? 2,
      ...(overrides.lastError
        ? { lastError: { description: 'boom', lastUpdateTime: '2025-01-01T00:00:00Z' } }
        : {}),
    },
  };
}

describe('isSteadyReconcile', () => {
  it.each([
    ['a resync after a successful reconcile of this generation', extension({}), 'Reconcile', false, true],
    ['the operation annotation asked for it', extension({}), 'Reconcile', true, false],
    ['the generation changed', extension({ generation: 3 }), 'Reconcile', false, false],
    ['the last reconcile failed', extension({ state: 'Error' }), 'Reconcile', false, false],
    ['the last reconcile is still waiting', extension({ state: 'Processing' }), 'Reconcile', false, false],
    ['an error is recorded', extension({ lastError: true }), 'Reconcile', false, false],
    ['a resync after the bootstrap (Create)', extension({ type: 'Create' }), 'Reconcile', false, true],
    ['a resync after a restore', extension({ type: 'Restore' }), 'Reconcile', false, true],
    ['a resync after a migration', extension({ type: 'Migrate' }), 'Reconcile', false, false],
    ['this is a restore', extension({}), 'Restore', false, false],
  ] as const)('%s → %s', (_name, object, type, annotated, expected) => {
    expect(isSteadyReconcile(object, type, annotated)).toBe(expected);
  });

  it('is not steady for an Extension never reconciled', () => {
    expect(isSteadyReconcile({ ...extension({}), status: undefined }, 'Reconcile', false)).toBe(false);
  });
});
