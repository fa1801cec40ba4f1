import { describe, expect, it } from 'vitest';
import {
  escapeControlCharacters,
  formatTextLine,
  maxTextLineLength,
  renderTextLines,
  truncateReportStrings,
  truncateText,
} from '../../../src/cli/text-output.js';

describe('escapeControlCharacters', () => {
  it.each([
    ['plain text', 'spec.url: Required value', 'spec.url: Required value'],
    [
      'a newline that would start a forged line',
      'x\nstdin#0 (FluxConfig): valid',
      'x\\nstdin#0 (FluxConfig): valid',
    ],
    ['CR, tab', 'a\rb\tc', 'a\\rb\\tc'],
    ['an ANSI escape sequence', '\u001b[2J\u001b[32mvalid', '\\u001b[2J\\u001b[32mvalid'],
    ['NUL, DEL and a C1 control', '\u0000\u007f\u009b', '\\u0000\\u007f\\u009b'],
    ['bidirectional overrides', 'a\u202eb\u2066c', 'a\\u202eb\\u2066c'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['other Unicode text', 'größe ✓ 名前 😀', 'größe ✓ 名前 😀'],
  ])('%s', (_, text, expected) => {
    expect(escapeControlCharacters(text)).toBe(expected);
  });
});

describe('truncateText', () => {
  it('keeps text that fits and cuts the rest with a marker saying how much', () => {
    expect(truncateText('abc', 3)).toBe('abc');
    expect(truncateText('abcdef', 3)).toBe('abc… (3 more characters)');
  });

  it('never splits a surrogate pair', () => {
    expect(truncateText('ab😀cd', 3)).toBe('ab… (4 more characters)');
  });
});

describe('renderTextLines', () => {
  it('prints one line per entry, escaped and bounded', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const text = renderTextLines(['a: \u001b[31mred', `b: ${huge}`]);
    expect(text.split('\n')).toEqual([
      'a: \\u001b[31mred',
      `b: ${'x'.repeat(maxTextLineLength - 3)}… (${huge.length + 3 - maxTextLineLength} more characters)`,
      '',
    ]);
    expect(formatTextLine('ok')).toBe('ok');
    expect(renderTextLines([])).toBe('');
  });
});

describe('truncateReportStrings', () => {
  it('bounds every string and key of a report, keeping its shape', () => {
    const long = 'y'.repeat(20);
    expect(truncateReportStrings({ [long]: [long, 1, null, { v: long }] }, 5)).toEqual({
      'yyyyy… (15 more characters)': [
        'yyyyy… (15 more characters)',
        1,
        null,
        { v: 'yyyyy… (15 more characters)' },
      ],
    });
  });
});
