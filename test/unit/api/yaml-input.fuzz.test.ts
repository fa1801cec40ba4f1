// Hostile-input properties of the one reader of user YAML: whatever the text, it returns
// documents or a coded error, never throws, and the data it returns stays within a linear bound
// of the text plus the alias allowance, so no consumer can be made to work without bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeYamlInput, YamlInputErrorCode, type YamlInputLimits } from '../../../src/api/yaml-input.js';
import { fuzzParameters } from '../../fuzz/parameters.js';

const limits: YamlInputLimits = {
  maxBytes: 256 * 1024,
  maxDepth: 40,
  maxAliases: 200,
  maxAliasExpansionBytes: 64 * 1024,
};
const codes = new Set<string>(Object.values(YamlInputErrorCode));

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

/**
 * The outcome of one input checked against the reader's contract: no exception, a known code
 * and a message on failure; on success data no deeper than the limit and no larger than the
 * text allows (JSON escapes a control character in 6 bytes, an empty YAML entry `?` prints as
 * `"null":null`, hence the factors).
 */
function checkContract(text: string): ReturnType<typeof decodeYamlInput> {
  const result = decodeYamlInput(text, limits);
  if (!result.ok) {
    expect(codes.has(result.error.code), result.error.code).toBe(true);
    expect(result.error.message).not.toBe('');
    return result;
  }
  const json = JSON.stringify(result.documents);
  expect(json.length).toBeLessThanOrEqual(12 * text.length + 6 * limits.maxAliasExpansionBytes + 16);
  for (const document of result.documents) expect(depthOf(document)).toBeLessThanOrEqual(limits.maxDepth);
  return result;
}

/** Text built from YAML's own pieces, so the parser goes deep rather than failing at once. */
const yamlish = fc
  .array(
    fc.constantFrom(
      'a',
      'b',
      'key',
      '"q"',
      "'s'",
      ': ',
      '- ',
      '? ',
      ', ',
      '[',
      ']',
      '{',
      '}',
      '&x ',
      '&y ',
      '*x',
      '*y',
      '!!str ',
      '!!map ',
      '#c',
      '\n',
      '\n  ',
      '\n    ',
      '---\n',
      '...\n',
      '|\n  ',
      '>\n  ',
      '\t',
      '\r\n',
      '~',
      '\u001b',
    ),
    { maxLength: 200 },
  )
  .map((parts) => parts.join(''));

/**
 * `levels` of lists, each `width` aliases of the level below, the bottom a string of `payload`
 * bytes; or, `inKey`, a key that is a list of `width` aliases of that string.
 */
const aliasBomb = fc
  .record({
    levels: fc.integer({ min: 1, max: 8 }),
    width: fc.integer({ min: 1, max: 40 }),
    payload: fc.integer({ min: 0, max: 5000 }),
    inKey: fc.boolean(),
  })
  .map(({ levels, width, payload, inKey }) => {
    let text = `l0: &l0 "${'x'.repeat(payload)}"\n`;
    for (let i = 1; i <= levels; i++) {
      text += `l${i}: &l${i} [${Array<string>(width)
        .fill(`*l${i - 1}`)
        .join(', ')}]\n`;
    }
    // js-yaml joins a list key into one string; lists inside a key it refuses on its own.
    const key = Array<string>(width).fill('*l0').join(', ');
    return inKey ? `${text}? [${key}]\n: v\n` : text;
  });

describe('decodeYamlInput on hostile input', () => {
  it('returns documents or a coded error for arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        checkContract(text);
      }),
      fuzzParameters(),
    );
  });

  it('returns documents or a coded error for text made of YAML syntax', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        checkContract(text);
      }),
      fuzzParameters(),
    );
  });

  it('bounds alias bombs: small ones read, large ones refused for their aliases', () => {
    fc.assert(
      fc.property(aliasBomb, (text) => {
        const result = checkContract(text);
        if (!result.ok) {
          expect([YamlInputErrorCode.AliasExpansionTooLarge, YamlInputErrorCode.TooManyAliases]).toContain(
            result.error.code,
          );
        }
      }),
      fuzzParameters(),
    );
  });

  it('reads nesting up to the limit and refuses deeper nesting without overflowing the stack', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('[', '{a: ', '- '), { minLength: 1, maxLength: 3000 }),
        (opens) => {
          // Flow and block styles mixed: block sequences inside flow collections are not YAML, so
          // only the flow openers nest; `- ` in flow context is a syntax error, also fine.
          const closers = opens.map((o) => (o === '[' ? ']' : o === '- ' ? '' : '}')).reverse();
          const text = `${opens.join('')}x${closers.join('')}`;
          const result = checkContract(text);
          const depth = opens.filter((o) => o !== '- ').length;
          if (!opens.includes('- ')) {
            expect(result.ok).toBe(depth <= limits.maxDepth);
            if (!result.ok) expect(result.error.code).toBe(YamlInputErrorCode.TooDeep);
          }
        },
      ),
      fuzzParameters({ numRuns: Math.min(fuzzParameters().numRuns ?? 150, 100) }),
    );
  });

  it('reads many keys, and refuses a duplicate among them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.option(fc.nat()), (count, duplicate) => {
        const keys = Array.from({ length: count }, (_, i) => `k${i}: ${i}`);
        if (duplicate !== null) keys.push(`k${duplicate % count}: again`);
        const result = checkContract(`${keys.join('\n')}\n`);
        if (duplicate === null)
          expect(result.ok && Object.keys(result.documents[0] as object).length).toBe(count);
        else expect(result).toMatchObject({ ok: false, error: { code: YamlInputErrorCode.InvalidSyntax } });
      }),
      fuzzParameters({ numRuns: Math.min(fuzzParameters().numRuns ?? 150, 50) }),
    );
  });

  it('reads JSON as JSON.parse does', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
        const text = JSON.stringify(value);
        expect(decodeYamlInput(text, limits)).toEqual({ ok: true, documents: [JSON.parse(text)] });
      }),
      fuzzParameters(),
    );
  });
});
