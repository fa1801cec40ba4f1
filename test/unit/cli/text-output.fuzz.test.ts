// Whatever a key or value holds, the CLI's text output keeps one line per finding and no raw
// control character: a hostile document cannot forge a "valid" line or drive the terminal.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTextLine, maxTextLineLength, renderTextLines } from '../../../src/cli/text-output.js';
import { fuzzParameters } from '../../fuzz/parameters.js';
import { runCliInProcess } from './support/cli.js';

// Control characters, separators and bidi controls: what escapeControlCharacters must catch.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const unsafe = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** Strings rich in what attacks terminals: newlines, escapes, separators, bidi controls. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc
    .array(
      fc.constantFrom(
        '\n',
        '\r\n',
        '\u001b[2J',
        '\u001b]0;x\u0007',
        '\u009b31m',
        '\u2028',
        '\u202e',
        'valid',
        ': ',
        'a',
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join('')),
);

describe('text output on hostile strings', () => {
  it('a formatted line has no control character and is bounded', () => {
    fc.assert(
      fc.property(hostileString, (text) => {
        const line = formatTextLine(text);
        expect(line).not.toMatch(unsafe);
        expect(line.length).toBeLessThanOrEqual(maxTextLineLength + 40);
      }),
      fuzzParameters(),
    );
  });

  it('rendered lines are exactly one per entry', () => {
    fc.assert(
      fc.property(fc.array(hostileString, { maxLength: 8 }), (lines) => {
        const text = renderTextLines(lines);
        expect(text.split('\n')).toHaveLength(lines.length + 1);
      }),
      fuzzParameters(),
    );
  });

  it('validate prints one line per finding, each naming its document, whatever the keys and values', async () => {
    await fc.assert(
      fc.asyncProperty(hostileString, hostileString, async (key, value) => {
        const config = {
          apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
          kind: 'FluxConfig',
          flux: { version: value, [key]: value },
          source: {
            template: {
              apiVersion: 'source.toolkit.fluxcd.io/v1',
              kind: 'GitRepository',
              spec: { url: value, [key]: 1 },
            },
          },
          kustomization: { template: { spec: { path: '.' } } },
        };
        // JSON is YAML: the document carries the strings exactly.
        const { stdout, stderr } = await runCliInProcess(['validate', '-f', '-'], JSON.stringify(config));
        for (const line of `${stdout}${stderr}`.split('\n').filter((l) => l !== '')) {
          expect(line).not.toMatch(unsafe);
          expect(line.startsWith('stdin#0 (FluxConfig): ') || line.startsWith('error: ')).toBe(true);
        }
      }),
      fuzzParameters(),
    );
  });
});
