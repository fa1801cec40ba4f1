import { describe, expect, it } from 'vitest';
import { isRecord } from '../../../src/api/is-record.js';

describe('isRecord', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [Object.create(null) as object, true],
    [null, false],
    [undefined, false],
    [[], false],
    [[{}], false],
    ['{}', false],
    [0, false],
  ])('%j is a record: %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});
