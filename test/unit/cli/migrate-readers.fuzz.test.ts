import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { decodeYamlInput } from '../../../src/api/yaml-input.js';
import { migrateText } from '../../../src/cli/migrate-text.js';
import { fuzzParameters } from '../../fuzz/parameters.js';

// `migrate` locates the text it edits with the `yaml` package (YAML 1.2, keeps ranges and
// comments); the controller, validate and migrate's own decision read with js-yaml's core schema.
// Both must read what migrate writes as the same data, or migrate would edit one document and
// the controller act on another.

/** What the controller reads: js-yaml through the bounded reader. */
function readWithJsYaml(text: string): unknown[] {
  const result = decodeYamlInput(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.documents;
}

/** What the edit sees: the `yaml` package's documents. */
function readWithYamlPackage(text: string): unknown[] {
  return parseAllDocuments(text).map((document) => document.toJS() as unknown);
}

/**
 * Plain scalars on which YAML 1.1 and 1.2 (and their readers) disagree: booleans, nulls, octal-
 * and sexagesimal-looking numbers, timestamps, merge keys, special floats.
 */
const ambiguousScalars = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  'NO',
  'On',
  'OFF',
  'true',
  'False',
  'TRUE',
  'null',
  'Null',
  '~',
  '010',
  '0777',
  '012345',
  '08',
  '09',
  '00',
  '0o17',
  '0x1F',
  '1_000',
  '+12',
  '-12',
  '.5',
  '1.',
  '1e3',
  '1.0e+3',
  '.inf',
  '-.inf',
  '.NaN',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '12:30',
  '1:20:30',
  '190:20:30',
  '=',
  '3.14_15',
  '0.',
];

/**
 * The plain scalars the two readers read differently (js-yaml's core schema is wider than YAML
 * 1.2's): signed or binary non-decimal integers, signed floats without a leading digit, minus zero.
 * migrate never writes them; where a user wrote one, migrate leaves its bytes as they are and the
 * controller reads it as js-yaml does. The table below pins them, so a reader upgrade shows up.
 */
const knownDisagreement = /^(?:[-+]0[xXoObB]|[-+]?0[bB]|[-+]\.\d|-0+(?:\.0*)?(?:[eE][-+]?\d+)?$)/;

/** A plain scalar that stays a scalar on one line (no indicator first, no `: ` or ` #`). */
const plainScalar = fc.oneof(
  fc.constantFrom(...ambiguousScalars),
  fc
    .stringMatching(/^[A-Za-z0-9_.+-][A-Za-z0-9_.:+/-]{0,11}$/)
    .filter((s) => s !== '-' && !s.endsWith(':') && !s.includes('::') && !knownDisagreement.test(s)),
);

/** A providerConfig in one of the formats migrate rewrites (or leaves), with scalars around it. */
const providerConfigText = fc
  .record({
    typeMeta: fc.constantFrom(
      '', // legacy: migrate adds apiVersion and kind
      '    apiVersion: source.toolkit.fluxcd.io/v1\n    kind: GitRepository\n',
      '    apiVersion: source.toolkit.fluxcd.io/v1beta2\n    kind: OCIRepository\n',
    ),
    flux: fc.constantFrom('', 'flux:\n  version: v2.9.2\n', 'flux:\n  version: v2.2.0\n'),
    labelKey: fc.constantFrom('on', 'yes', 'no', 'off', 'app', '010', 'y'),
    labelValue: plainScalar,
    extra: fc.array(fc.tuple(fc.constantFrom('a', 'on', 'off', 'yes', 'n', 'k'), plainScalar), {
      maxLength: 4,
    }),
    path: plainScalar,
    comment: fc.constantFrom('', '  # keep me'),
  })
  .map(({ typeMeta, flux, labelKey, labelValue, extra, path, comment }) => {
    const extras = [...new Map(extra)].map(([key, value]) => `      ${key}: ${value}\n`).join('');
    return (
      'apiVersion: flux.extensions.gardener.cloud/v1alpha1\n' +
      'kind: FluxConfig\n' +
      flux +
      'source:\n' +
      '  template:\n' +
      typeMeta +
      `    metadata:\n      labels:\n        ${labelKey}: ${labelValue}${comment}\n` +
      '    spec:\n' +
      '      url: oci://ghcr.io/org/manifests\n' +
      extras +
      `kustomization:\n  template:\n    spec:\n      path: ${path}\n`
    );
  });

describe('the documents migrate writes', () => {
  it('read the same with js-yaml and the yaml package', () => {
    fc.assert(
      fc.property(fc.array(providerConfigText, { minLength: 1, maxLength: 3 }), (configs) => {
        const { text } = migrateText(configs.join('---\n'), 'shoot.yaml');
        const read = readWithJsYaml(text);
        expect(readWithYamlPackage(text)).toEqual(read);
        // Migrated once is migrated: the second run finds nothing, in either reader's view.
        expect(migrateText(text, 'shoot.yaml').changes).toEqual([]);
      }),
      fuzzParameters(),
    );
  });

  it.each([
    ['yes', 'yes'],
    ['off', 'off'],
    ['0777', 777],
    ['010', 10],
    ['2001-12-14', '2001-12-14'],
    ['1_000', '1_000'],
    ['12:30', '12:30'],
  ])('a YAML 1.1 look-alike %s reads as %j in both', (scalar, expected) => {
    const text = `v: ${scalar}\n`;
    expect(readWithJsYaml(text)).toEqual([{ v: expected }]);
    expect(readWithYamlPackage(text)).toEqual([{ v: expected }]);
  });

  it.each([
    ['+0x1F', 31, '+0x1F'],
    ['-0o17', -15, '-0o17'],
    ['0b101', 5, '0b101'],
    ['-.5', '-.5', -0.5],
    ['+.5', '+.5', 0.5],
    ['-0', 0, -0],
  ])(
    '%s is where they differ (js-yaml %j, yaml %j): migrate leaves it byte for byte',
    (scalar, jsYaml, yamlPackage) => {
      expect(knownDisagreement.test(scalar)).toBe(true);
      const text = `v: ${scalar}\n`;
      expect(readWithJsYaml(text)).toEqual([{ v: jsYaml }]);
      expect(readWithYamlPackage(text)).toEqual([{ v: yamlPackage }]);
      const legacy = `apiVersion: flux.extensions.gardener.cloud/v1alpha1\nkind: FluxConfig\nsource:\n  template:\n    spec:\n      url: https://github.com/org/repo\n      x: ${scalar}\n`;
      const { text: migrated, changes } = migrateText(legacy, 'shoot.yaml');
      expect(changes).toHaveLength(1);
      expect(migrated).toContain(`\n      x: ${scalar}\n`);
    },
  );
});
