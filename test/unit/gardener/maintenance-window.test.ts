import { describe, expect, it } from 'vitest';
import {
  alwaysMaintenanceWindow,
  decodeMaintenanceWindow,
  describeMaintenanceWindow,
  isInMaintenanceWindow,
  nextMaintenanceWindowStart,
  parseMaintenanceTime,
  type MaintenanceWindow,
} from '../../../src/gardener/maintenance-window.js';

function window(begin: string, end: string): MaintenanceWindow {
  const decoded = decodeMaintenanceWindow({ begin, end });
  if ('error' in decoded) throw new Error(decoded.error);
  return decoded;
}

describe('parseMaintenanceTime', () => {
  it.each([
    ['000000+0000', 0],
    ['220000+0000', 22 * 3600],
    ['220000+0100', 21 * 3600],
    ['003000+0100', 23 * 3600 + 30 * 60],
    ['233000-0230', 2 * 3600],
    ['120530+0000', 12 * 3600 + 5 * 60 + 30],
  ])('%s is %i seconds after midnight UTC', (text, seconds) => {
    expect(parseMaintenanceTime(text)).toBe(seconds);
  });

  it.each(['22:00:00+0000', '2200+0000', '240000+0000', '226000+0000', '220060+0000', '220000Z', ''])(
    'refuses %j',
    (text) => {
      expect(parseMaintenanceTime(text)).toHaveProperty('error');
    },
  );
});

describe('decodeMaintenanceWindow', () => {
  it('reads no window as the whole day', () => {
    expect(decodeMaintenanceWindow(undefined)).toEqual(alwaysMaintenanceWindow);
    expect(decodeMaintenanceWindow(null)).toEqual(alwaysMaintenanceWindow);
  });

  it.each([
    [5, 'not an object'],
    [{ begin: '220000+0000' }, 'needs begin and end'],
    [{ begin: 'x', end: '230000+0000' }, 'timeWindow.begin'],
    [{ begin: '220000+0000', end: 7 }, 'needs begin and end'],
    [{ begin: '220000+0000', end: '250000+0000' }, 'timeWindow.end'],
  ])('gives an error for %j', (input, text) => {
    const decoded = decodeMaintenanceWindow(input);
    expect(decoded).toHaveProperty('error');
    expect((decoded as { error: string }).error).toContain(text);
  });
});

describe('isInMaintenanceWindow', () => {
  const at = (iso: string) => new Date(iso);
  it.each([
    // window within one day
    ['220000+0000', '230000+0000', '2026-12-01T21:59:59Z', false],
    ['220000+0000', '230000+0000', '2026-12-01T22:00:00Z', true],
    ['220000+0000', '230000+0000', '2026-12-01T22:30:00Z', true],
    ['220000+0000', '230000+0000', '2026-12-01T23:00:00Z', true],
    ['220000+0000', '230000+0000', '2026-12-01T23:00:01Z', false],
    // crossing midnight UTC
    ['230000+0000', '010000+0000', '2026-12-01T23:30:00Z', true],
    ['230000+0000', '010000+0000', '2026-12-02T00:30:00Z', true],
    ['230000+0000', '010000+0000', '2026-12-02T01:00:01Z', false],
    ['230000+0000', '010000+0000', '2026-12-01T22:59:59Z', false],
    // a local window that crosses midnight only in UTC: 00:30-01:30 at +0100 is 23:30-00:30 UTC
    ['003000+0100', '013000+0100', '2026-12-01T23:45:00Z', true],
    ['003000+0100', '013000+0100', '2026-12-01T00:45:00Z', false],
    // begin == end: the whole day
    ['120000+0000', '120000+0000', '2026-12-01T03:00:00Z', true],
  ])('[%s, %s] at %s: %s', (begin, end, now, inside) => {
    expect(isInMaintenanceWindow(window(begin, end), at(now))).toBe(inside);
  });

  it('is always open without a window', () => {
    expect(isInMaintenanceWindow(alwaysMaintenanceWindow, at('2026-12-01T23:59:59Z'))).toBe(true);
    expect(isInMaintenanceWindow(alwaysMaintenanceWindow, at('2026-12-01T00:00:00Z'))).toBe(true);
  });
});

describe('nextMaintenanceWindowStart', () => {
  it.each([
    ['220000+0000', '230000+0000', '2026-12-01T10:00:00.500Z', '2026-12-01T22:00:00.000Z'],
    ['220000+0000', '230000+0000', '2026-12-01T23:30:00Z', '2026-12-02T22:00:00.000Z'],
    ['230000+0000', '010000+0000', '2026-12-01T02:00:00Z', '2026-12-01T23:00:00.000Z'],
    ['003000+0100', '013000+0100', '2026-12-01T12:00:00Z', '2026-12-01T23:30:00.000Z'],
  ])('[%s, %s] from %s opens at %s', (begin, end, now, expected) => {
    expect(nextMaintenanceWindowStart(window(begin, end), new Date(now)).toISOString()).toBe(expected);
  });

  it('is now while the window is open', () => {
    const now = new Date('2026-12-01T22:10:00Z');
    expect(nextMaintenanceWindowStart(window('220000+0000', '230000+0000'), now)).toBe(now);
  });
});

describe('describeMaintenanceWindow', () => {
  it('prints the window in UTC', () => {
    expect(describeMaintenanceWindow(window('220000+0100', '230000+0100'))).toBe('21:00–22:00 UTC');
  });
});
