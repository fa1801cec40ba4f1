import { describe, expect, it } from 'vitest';
import {
  buildShootLines,
  buildSummaryLine,
  percentile,
  type ShootOutcome,
} from '../../../hack/landscape/bootstrap-report.js';

const git = (name: string, seconds: number): ShootOutcome => ({
  name,
  sourceKind: 'GitRepository',
  bootstrapped: true,
  seconds,
  revision: 'main@sha1:abc',
});

describe('percentile', () => {
  it.each([
    [[], 50, undefined],
    [[3], 50, 3],
    [[4, 1, 3, 2], 50, 2],
    [[4, 1, 3, 2], 100, 4],
    [[5, 1, 4, 2, 3], 50, 3],
  ])('%j p%d = %s', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });
});

describe('bootstrap report', () => {
  it('one aligned line per shoot and a summary with p50 and max', () => {
    const outcomes: ShootOutcome[] = [
      git('local-1', 4.2),
      {
        name: 'local-2',
        sourceKind: 'OCIRepository',
        bootstrapped: true,
        seconds: 6.34,
        revision: 'latest@sha256:d0',
      },
      git('local-3', 5),
      { name: 'local-4', sourceKind: 'OCIRepository', bootstrapped: true, seconds: 7.05, revision: '' },
    ];
    expect(buildShootLines(outcomes)).toEqual([
      'Shoot local-1  GitRepository  bootstrapped in 4.2s  (main@sha1:abc)',
      'Shoot local-2  OCIRepository  bootstrapped in 6.3s  (latest@sha256:d0)',
      'Shoot local-3  GitRepository  bootstrapped in 5.0s  (main@sha1:abc)',
      'Shoot local-4  OCIRepository  bootstrapped in 7.0s  (no revision reported)',
    ]);
    expect(buildSummaryLine(outcomes, 7.3)).toBe(
      '4/4 shoots bootstrapped in 7.3s (per shoot, Extension created → FluxBootstrapped=True: p50 5.0s, max 7.0s)',
    );
  });

  it('says which shoot failed and why, and counts only the bootstrapped ones', () => {
    const failed: ShootOutcome = {
      name: 'bb',
      sourceKind: 'OCIRepository',
      bootstrapped: false,
      reason: 'not within 45s',
    };
    const outcomes = [git('a', 3), failed];
    expect(buildShootLines(outcomes)).toEqual([
      'Shoot a   GitRepository  bootstrapped in 3.0s  (main@sha1:abc)',
      'Shoot bb  OCIRepository  NOT bootstrapped: not within 45s',
    ]);
    expect(buildSummaryLine(outcomes, 45)).toBe(
      '1/2 shoots bootstrapped in 45.0s (per shoot, Extension created → FluxBootstrapped=True: p50 3.0s, max 3.0s)',
    );
    expect(buildSummaryLine([failed], 45)).toBe('0/1 shoot bootstrapped');
  });
});
