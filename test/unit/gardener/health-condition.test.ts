import { describe, expect, it } from 'vitest';
import { buildHealthCondition, evaluateProgressingStatus } from '../../../src/gardener/health-condition.js';
import type { Condition } from '../../../src/gardener/types.js';

const t0 = '2026-01-01T00:00:00Z';
const now = new Date('2026-01-01T00:10:00Z');
const minute = 60_000;

function existing(status: Condition['status'], reason = 'R', message = 'm'): Condition {
  return {
    type: 'SystemComponentsHealthy',
    status,
    reason,
    message,
    lastTransitionTime: t0,
    lastUpdateTime: t0,
  };
}

describe('evaluateProgressingStatus (Gardener threshold rule)', () => {
  it.each([
    ['no condition yet', undefined, 'Progressing'],
    ['was True', existing('True'), 'Progressing'],
    ['was False', existing('False'), 'False'],
    ['Progressing within the threshold', existing('Progressing'), 'Progressing'],
  ])('%s', (_name, condition, status) => {
    expect(evaluateProgressingStatus(condition, now, 15 * minute)).toBe(status);
  });

  it('turns False once Progressing outlasted the threshold', () => {
    expect(evaluateProgressingStatus(existing('Progressing'), now, 5 * minute)).toBe('False');
  });
});

describe('buildHealthCondition', () => {
  it('writes Gardener reasons per outcome', () => {
    const build = (outcome: 'healthy' | 'unhealthy' | 'unknown' | 'progressing') =>
      buildHealthCondition([], { type: 'T', outcome, message: 'm' }, now, minute).condition;
    expect(build('healthy')).toMatchObject({ status: 'True', reason: 'HealthCheckSuccessful' });
    expect(build('unhealthy')).toMatchObject({ status: 'False', reason: 'HealthCheckUnsuccessful' });
    expect(build('unknown')).toMatchObject({ status: 'Unknown', reason: 'ConditionCheckError' });
    expect(build('progressing')).toMatchObject({ status: 'Progressing', reason: 'HealthCheckProgressing' });
  });

  it('keeps the result reason of an unhealthy outcome', () => {
    const { condition } = buildHealthCondition(
      [],
      { type: 'T', outcome: 'unhealthy', reason: 'BuildFailed', message: 'm' },
      now,
      minute,
    );
    expect(condition.reason).toBe('BuildFailed');
  });

  it('moves lastTransitionTime only on a status change and reports no change when equal', () => {
    const old = existing('True', 'HealthCheckSuccessful', 'ok');
    const same = buildHealthCondition(
      [old],
      { type: old.type, outcome: 'healthy', message: 'ok' },
      now,
      minute,
    );
    expect(same).toEqual({ condition: old, changed: false });

    const message = buildHealthCondition(
      [old],
      { type: old.type, outcome: 'healthy', message: 'other' },
      now,
      minute,
    );
    expect(message.condition).toMatchObject({
      lastTransitionTime: t0,
      lastUpdateTime: '2026-01-01T00:10:00Z',
    });
    expect(message.changed).toBe(true);

    const failed = buildHealthCondition(
      [old],
      { type: old.type, outcome: 'unhealthy', message: 'ok' },
      now,
      minute,
    );
    expect(failed.condition).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-01T00:10:00Z' });
  });

  it('a progressing result on a False condition stays False with the unsuccessful reason', () => {
    const { condition } = buildHealthCondition(
      [existing('False')],
      { type: 'SystemComponentsHealthy', outcome: 'progressing', message: 'rolling' },
      now,
      60 * minute,
    );
    expect(condition).toMatchObject({
      status: 'False',
      reason: 'HealthCheckUnsuccessful',
      message: 'rolling',
    });
  });
});
