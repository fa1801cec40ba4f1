import { describe, expect, it } from 'vitest';
import {
  decodeUtf8Text,
  decodeYamlInput,
  defaultYamlInputLimits,
  formatYamlInputError,
  YamlInputErrorCode,
} from '../../../src/api/yaml-input.js';

/** `name: &a [<size> bytes]` and `uses` aliases of it. */
function aliasBomb(size: number, uses: number): string {
  return `a: &a ["${'x'.repeat(size)}"]\nb: [${Array<string>(uses).fill('*a').join(', ')}]\n`;
}

function nested(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

describe('decodeYamlInput', () => {
  it('reads every document of a stream as plain data, in the YAML 1.2 core schema', () => {
    expect(decodeYamlInput('a: 1\nb: [x, {c: null}]\ndate: 2024-01-01\non: yes\n---\n- 0o17\n---\n')).toEqual(
      {
        ok: true,
        documents: [{ a: 1, b: ['x', { c: null }], date: '2024-01-01', on: 'yes' }, [15], null],
      },
    );
  });

  it('reads JSON, tabs included', () => {
    expect(decodeYamlInput('{\n\t"a": [1, {"b": "\\u001b[31m"}],\n\t"c": null\n}\n')).toEqual({
      ok: true,
      documents: [{ a: [1, { b: '\u001b[31m' }], c: null }],
    });
  });

  it('copies aliased collections, so changing one use changes no other', () => {
    const result = decodeYamlInput('a: &x {b: [1]}\nc: *x\n');
    if (!result.ok) throw new Error(result.error.message);
    const [doc] = result.documents as { a: { b: number[] }; c: { b: number[] } }[];
    doc?.c.b.push(2);
    expect(doc?.a.b).toEqual([1]);
  });

  it('keeps a __proto__ key as data', () => {
    const result = decodeYamlInput('__proto__: {polluted: true}\n');
    if (!result.ok) throw new Error(result.error.message);
    const [doc] = result.documents as Record<string, unknown>[];
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.keys(doc ?? {})).toEqual(['__proto__']);
  });

  it.each([
    ['a syntax error', 'a: [b\n', YamlInputErrorCode.InvalidSyntax, 2],
    ['a duplicate key', 'a: 1\na: 2\n', YamlInputErrorCode.InvalidSyntax, 2],
    ['an undefined alias', 'a: *nope\n', YamlInputErrorCode.InvalidSyntax, 1],
    ['an unknown tag', 'a: !vault secret\n', YamlInputErrorCode.InvalidSyntax, 1],
    ['nesting beyond the limit', nested(101), YamlInputErrorCode.TooDeep, 1],
    ['a recursive alias', 'a: &x [*x]\n', YamlInputErrorCode.RecursiveAlias, 1],
    ['a recursive alias in a map', 'a: &x {b: {c: *x}}\n', YamlInputErrorCode.RecursiveAlias, 1],
    [
      'too many aliases',
      `a: &a 1\nb: [${Array<string>(1001).fill('*a').join(',')}]\n`,
      YamlInputErrorCode.TooManyAliases,
      2,
    ],
    [
      'aliases expanding beyond the limit',
      aliasBomb(10_000, 200),
      YamlInputErrorCode.AliasExpansionTooLarge,
      2,
    ],
    [
      // js-yaml turns a list key into one string: 1000 × 500 KB would be a 500 MB key.
      'aliases in a list key',
      `a: &a "${'x'.repeat(500_000)}"\n? [${Array<string>(1000).fill('*a').join(', ')}]\n: 1\n`,
      YamlInputErrorCode.AliasExpansionTooLarge,
      2,
    ],
  ])('refuses %s with a code and the line', (_, text, code, line) => {
    const result = decodeYamlInput(text);
    expect(result).toMatchObject({ ok: false, error: { code, line } });
  });

  it('allows nesting up to the limit and counts nesting through aliases', () => {
    expect(decodeYamlInput(nested(100)).ok).toBe(true);
    // Each alias is 60 levels deep in the text, but the data is 3 × 60 levels deep.
    const chain = `a: &a ${nested(60)}\nb: &b ${'['.repeat(59)}*a${']'.repeat(59)}\nc: ${'['.repeat(59)}*b${']'.repeat(59)}\n`;
    expect(decodeYamlInput(chain)).toMatchObject({
      ok: false,
      error: { code: YamlInputErrorCode.TooDeep, line: 2 },
    });
  });

  it('counts what a flow pair adds (`[k: *a]`, a map js-yaml builds without reporting it)', () => {
    let text = `a0: &a0 ${nested(60)}\n`;
    for (let i = 1; i < 4; i++) text += `a${i}: &a${i} ${'['.repeat(14)}k: *a${i - 1}${']'.repeat(14)}\n`;
    expect(decodeYamlInput(text)).toMatchObject({ ok: false, error: { code: YamlInputErrorCode.TooDeep } });
  });

  it('allows aliases within the limits', () => {
    expect(decodeYamlInput(aliasBomb(1000, 900)).ok).toBe(true);
    expect(decodeYamlInput('a: &x !!map\nb: *x\n')).toEqual({ ok: true, documents: [{ a: {}, b: {} }] });
  });

  it('takes other limits', () => {
    expect(decodeYamlInput(aliasBomb(10, 3), { maxAliases: 2 })).toMatchObject({
      ok: false,
      error: { code: YamlInputErrorCode.TooManyAliases, message: 'more than 2 aliases' },
    });
    expect(decodeYamlInput(nested(3), { maxDepth: 2 })).toMatchObject({
      ok: false,
      error: { code: YamlInputErrorCode.TooDeep, message: 'nested deeper than 2 levels' },
    });
    expect(decodeYamlInput(aliasBomb(100, 20), { maxAliasExpansionBytes: 1024 })).toMatchObject({
      ok: false,
      error: {
        code: YamlInputErrorCode.AliasExpansionTooLarge,
        message: 'aliases expand to more than 1 KiB of data',
      },
    });
  });

  it('refuses input beyond the size limit before parsing it', () => {
    expect(decodeYamlInput('a: 1\n'.repeat(10), { maxBytes: 49 })).toEqual({
      ok: false,
      error: { code: YamlInputErrorCode.TooLarge, message: 'input is larger than the limit of 49 bytes' },
    });
    // Bytes, not characters: "é" is two.
    expect(decodeYamlInput('a: é', { maxBytes: 4 }).ok).toBe(false);
    expect(decodeYamlInput(new TextEncoder().encode('a: é'), { maxBytes: 4 }).ok).toBe(false);
    expect(decodeYamlInput('a: é', { maxBytes: 5 }).ok).toBe(true);
    expect(defaultYamlInputLimits.maxBytes).toBe(16 * 1024 * 1024);
  });

  it('refuses bytes that are not UTF-8, naming the first bad byte', () => {
    // A real U+FFFD (EF BF BD) before the bad byte must not be mistaken for it.
    const bytes = Uint8Array.from([...Buffer.from('a: \uFFFD\nb: '), 0xff, 0x0a]);
    expect(decodeYamlInput(bytes)).toEqual({
      ok: false,
      error: {
        code: YamlInputErrorCode.InvalidEncoding,
        message: 'not UTF-8: invalid byte 0xff at byte offset 10',
        line: 2,
      },
    });
  });

  it('reads a byte-order mark as no content, and decodeUtf8Text keeps it for writing back', () => {
    const bytes = Buffer.from('\uFEFFa: 1\n');
    expect(decodeYamlInput(bytes)).toEqual({ ok: true, documents: [{ a: 1 }] });
    expect(decodeUtf8Text(bytes)).toEqual({ ok: true, text: '\uFEFFa: 1\n' });
  });

  it('never quotes the input in a message (js-yaml snippets would)', () => {
    const result = decodeYamlInput('key: "\u001b[2J\n  x: [\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).not.toContain('\u001b');
  });
});

describe('formatYamlInputError', () => {
  it.each([
    [
      { code: YamlInputErrorCode.InvalidSyntax, message: 'duplicated mapping key', line: 2, column: 1 },
      'line 2, column 1: duplicated mapping key',
    ],
    [{ code: YamlInputErrorCode.InvalidEncoding, message: 'not UTF-8', line: 3 }, 'line 3: not UTF-8'],
    [{ code: YamlInputErrorCode.TooLarge, message: 'input is larger' }, 'input is larger'],
  ])('%j', (error, expected) => {
    expect(formatYamlInputError(error)).toBe(expected);
  });
});
