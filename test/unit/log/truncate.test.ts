import { describe, expect, it } from 'vitest';
import { truncateText } from '../../../src/log/truncate.js';

describe('truncateText', () => {
  it.each([
    ['a short text', 'hello', 10, 'hello'],
    ['exactly the limit', 'x'.repeat(40), 40, 'x'.repeat(40)],
    ['a long text', 'x'.repeat(100), 40, `${'x'.repeat(14)}… (truncated, 100 bytes)`],
  ])('%s', (_name, text, max, expected) => {
    expect(truncateText(text, max)).toBe(expected);
  });

  it('bounds in UTF-8 bytes and never splits a character', () => {
    const text = '€'.repeat(1000) + '😀'.repeat(1000);
    for (const max of [30, 31, 32, 33, 100, 3000, 4001]) {
      const bounded = truncateText(text, max);
      expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(max);
      expect(bounded).not.toContain('\uFFFD');
      expect(bounded.endsWith('(truncated, 7000 bytes)')).toBe(true);
    }
  });

  it('keeps a 700 KiB value to its bound', () => {
    const bounded = truncateText('n'.repeat(700 * 1024), 512);
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(512);
    expect(bounded).toContain('(truncated, 716800 bytes)');
  });
});
