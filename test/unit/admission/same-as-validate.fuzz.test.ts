// The webhook and `validate` must never disagree about a Shoot: for generated providerConfigs
// (valid ones with fields broken, dropped or replaced), the webhook's causes are exactly the
// errors `validate` prints for the same Shoot document, and its warnings the same warnings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAdmissionReview } from '../../../src/admission/admission-review.js';
import { reviewShoot } from '../../../src/admission/shoot-review.js';
import { findProviderConfigs } from '../../../src/cli/provider-configs.js';
import { checkProviderConfig } from '../../../src/cli/commands/validate.js';
import { formatFieldError } from '../../../src/api/field-errors.js';
import { fuzzParameters } from '../../fuzz/parameters.js';
import {
  buildGitProviderConfig,
  buildShoot,
  buildShootAdmissionReview,
} from '../../harness/admission-shoots.js';

const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom('', 'GitRepository', 'OCIRepository', 'v2.9.2', '5m', 'oci://x/y', 'git-credentials'),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

const paths = [
  ['apiVersion'],
  ['kind'],
  ['flux'],
  ['flux', 'version'],
  ['flux', 'namespace'],
  ['flux', 'components'],
  ['source'],
  ['source', 'template', 'kind'],
  ['source', 'template', 'apiVersion'],
  ['source', 'template', 'spec', 'url'],
  ['source', 'template', 'spec', 'interval'],
  ['source', 'template', 'spec', 'ref'],
  ['source', 'template', 'metadata'],
  ['source', 'secretResourceName'],
  ['kustomization', 'template', 'spec', 'path'],
  ['kustomization', 'template', 'spec', 'sourceRef'],
  ['additionalSecretResources'],
  ['additionalSecretResources', '0', 'targetName'],
  ['unknownField'],
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1) ?? '';
  if (value === undefined) Reflect.deleteProperty(node, last);
  else node[last] = value;
}

const providerConfigs = fc
  .array(fc.tuple(fc.constantFrom(...paths), junk), { maxLength: 4 })
  .map((changes) => {
    const config = buildGitProviderConfig();
    for (const [path, value] of changes) setPath(config, path, value);
    return config;
  });

describe('the webhook judges a Shoot as validate does', () => {
  it('same errors (as causes) and warnings for any providerConfig', async () => {
    await fc.assert(
      fc.asyncProperty(providerConfigs, async (providerConfig) => {
        const shoot = buildShoot({ providerConfig });
        const decoded = decodeAdmissionReview(
          buildShootAdmissionReview({ operation: 'CREATE', object: shoot }),
        );
        if ('error' in decoded) throw new Error(decoded.error);
        const { response } = await reviewShoot(decoded.request);
        const checks = findProviderConfigs(shoot, 'shoot.yaml', 0).map(checkProviderConfig);
        const errors = checks.flatMap((c) => c.errors);
        const warnings = checks.flatMap((c) => c.warnings.map((w) => `${w.field}: ${w.message}`));
        expect(response.allowed).toBe(errors.length === 0);
        expect(response.status?.details?.causes ?? []).toEqual(
          errors.map((e) => ({
            reason: e.type,
            field: e.field,
            message: formatFieldError({ ...e, field: '' }),
          })),
        );
        expect(response.warnings ?? []).toEqual([...new Set(warnings)]);
      }),
      fuzzParameters(),
    );
  });
});
