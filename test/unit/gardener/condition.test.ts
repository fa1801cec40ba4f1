import { describe, expect, it } from 'vitest';
import { buildCondition, mergeConditions } from '../../../src/gardener/condition.js';

const t1 = new Date('2025-01-01T00:00:00Z');
const t2 = new Date('2025-01-01T00:01:00Z');

describe('buildCondition', () => {
  const first = buildCondition(
    undefined,
    { type: 'FluxBootstrapped', status: 'False', reason: 'Pending', message: 'a' },
    t1,
  );

  it('creates with both times set', () => {
    expect(first).toEqual({
      changed: true,
      condition: {
        type: 'FluxBootstrapped',
        status: 'False',
        reason: 'Pending',
        message: 'a',
        lastTransitionTime: '2025-01-01T00:00:00Z',
        lastUpdateTime: '2025-01-01T00:00:00Z',
      },
    });
  });

  it('reports no change and keeps times when nothing changed', () => {
    const same = buildCondition(
      first.condition,
      { type: 'FluxBootstrapped', status: 'False', reason: 'Pending', message: 'a' },
      t2,
    );
    expect(same).toEqual({ changed: false, condition: first.condition });
  });

  it('moves only lastUpdateTime on a message change', () => {
    const next = buildCondition(
      first.condition,
      { type: 'FluxBootstrapped', status: 'False', reason: 'Pending', message: 'b' },
      t2,
    );
    expect(next.changed).toBe(true);
    expect(next.condition.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    expect(next.condition.lastUpdateTime).toBe('2025-01-01T00:01:00Z');
  });

  it('moves both times on a status change', () => {
    const next = buildCondition(
      first.condition,
      { type: 'FluxBootstrapped', status: 'True', reason: 'Done', message: 'b' },
      t2,
    );
    expect(next.condition.lastTransitionTime).toBe('2025-01-01T00:01:00Z');
    expect(next.condition.lastUpdateTime).toBe('2025-01-01T00:01:00Z');
  });

  it('merges by type, keeping order', () => {
    const other = { ...first.condition, type: 'Other' };
    const updated = { ...first.condition, status: 'True' as const };
    expect(mergeConditions([first.condition, other], updated)).toEqual([updated, other]);
    expect(mergeConditions(undefined, other)).toEqual([other]);
  });
});
