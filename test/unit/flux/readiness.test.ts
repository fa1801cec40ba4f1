import { describe, expect, it } from 'vitest';
import { evaluateFluxReadiness, type FluxReadiness } from '../../../src/flux/readiness.js';

const object = (generation: number, observedGeneration: number | undefined, conditions: object[]) => ({
  metadata: { generation },
  status: { ...(observedGeneration === undefined ? {} : { observedGeneration }), conditions },
});

describe('evaluateFluxReadiness', () => {
  it.each<[string, unknown, FluxReadiness['state'], string?]>([
    ['no status yet', { metadata: { generation: 1 } }, 'progressing', 'waiting for the first reconciliation'],
    ['undefined object', undefined, 'progressing'],
    [
      'Ready=True for the current generation',
      object(2, 2, [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored artifact' }]),
      'ready',
      'stored artifact',
    ],
    [
      'Ready=True with condition observedGeneration',
      object(3, 1, [{ type: 'Ready', status: 'True', observedGeneration: 3, message: 'ok' }]),
      'ready',
    ],
    [
      'stale Ready=True from an older generation',
      object(3, 2, [{ type: 'Ready', status: 'True', message: 'old' }]),
      'progressing',
      'waiting for generation 3 to be reconciled',
    ],
    [
      'Ready=True while reconciling again',
      object(2, 2, [
        { type: 'Ready', status: 'True' },
        { type: 'Reconciling', status: 'True' },
      ]),
      'progressing',
    ],
    [
      'transient Ready=False keeps Flux message',
      object(1, undefined, [
        { type: 'Ready', status: 'False', reason: 'GitOperationFailed', message: 'authentication required' },
        { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry' },
      ]),
      'progressing',
      'authentication required',
    ],
    [
      'Ready=Unknown while progressing',
      object(1, undefined, [
        { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'reconciliation in progress' },
      ]),
      'progressing',
      'reconciliation in progress',
    ],
    [
      'a retry (Ready=Unknown) keeps the failure source-controller still reports in FetchFailed',
      object(1, undefined, [
        { type: 'Reconciling', status: 'True', reason: 'Progressing', message: 'building artifact' },
        { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'building artifact' },
        { type: 'FetchFailed', status: 'True', reason: 'GitOperationFailed', message: 'connection refused' },
      ]),
      'progressing',
      'connection refused',
    ],
    [
      'a failure condition that is no longer True is not reported',
      object(1, undefined, [
        { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'building artifact' },
        { type: 'FetchFailed', status: 'False', reason: 'Succeeded', message: 'old failure' },
      ]),
      'progressing',
      'building artifact',
    ],
    [
      'Stalled=True fails at once with its message',
      object(1, 1, [
        { type: 'Ready', status: 'False', reason: 'InvalidURL', message: 'bad url' },
        { type: 'Stalled', status: 'True', reason: 'InvalidURL', message: 'URL scheme not supported' },
      ]),
      'failed',
      'URL scheme not supported',
    ],
    [
      'deleting object',
      { metadata: { generation: 1, deletionTimestamp: '2026-01-01T00:00:00Z' } },
      'progressing',
      'the object is being deleted',
    ],
  ])('%s', (_name, input, state, message) => {
    const result = evaluateFluxReadiness(input);
    expect(result.state).toBe(state);
    if (message !== undefined) expect(result.message).toBe(message);
  });
});
