import { describe, expect, it } from 'vitest';
import { settleApplyResults } from '../../../../src/controller/shoot-flux/object-sync.js';

const object = (resourceVersion: string) => ({ metadata: { name: 'source-controller', resourceVersion } });

describe('settleApplyResults', () => {
  const live = new Map<string, unknown>([
    ['ServiceAccount flux-system/source-controller', object('41')],
    ['Deployment flux-system/source-controller', object('42')],
  ]);

  it.each([
    ['an update that kept the resourceVersion read before', 'ServiceAccount', 'updated', '41', 'unchanged'],
    ['an update that moved it', 'Deployment', 'updated', '43', 'updated'],
    ['an object created (not read before)', 'Service', 'created', '44', 'created'],
    ['an update of an object not read before', 'Service', 'updated', '44', 'updated'],
    ['an unchanged one', 'Deployment', 'unchanged', '42', 'unchanged'],
  ] as const)('%s', (_name, kind, result, version, expected) => {
    const applied = [{ object: `${kind} flux-system/source-controller`, result, applied: object(version) }];
    expect(settleApplyResults(applied, live).map((a) => a.result)).toEqual([expected]);
  });
});
