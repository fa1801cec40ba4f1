import { describe, expect, it } from 'vitest';
import {
  describeSelfManaged,
  findSelfManagers,
} from '../../../../src/controller/shoot-flux/self-managed-detection.js';

const entry = (manager: string, operation: string, fields: string[], subresource?: string) => ({
  manager,
  operation,
  ...(subresource ? { subresource } : {}),
  fieldsV1: Object.fromEntries(fields.map((f) => [f, {}])),
});

describe('findSelfManagers', () => {
  it.each([
    ['applied after our last apply', '2026-01-01T00:00:02Z', ['kustomize-controller']],
    ['applied before our last apply (taken over by it)', '2026-01-01T00:00:00Z', []],
    ['applied in the same second as we did (may be later)', '2026-01-01T00:00:01Z', ['kustomize-controller']],
  ])('counts a manager %s', (_name, theirs, managers) => {
    const managedFields = [
      { ...entry('gardener-extension-shoot-flux', 'Apply', ['f:spec']), time: '2026-01-01T00:00:01Z' },
      { ...entry('kustomize-controller', 'Apply', ['f:spec']), time: theirs },
    ];
    expect(findSelfManagers({ metadata: { managedFields } })).toEqual(managers);
  });

  it.each([
    [
      'kustomize-controller applying spec',
      [entry('kustomize-controller', 'Apply', ['f:metadata', 'f:spec'])],
      ['kustomize-controller'],
    ],
    ['our own apply', [entry('gardener-extension-shoot-flux', 'Apply', ['f:spec'])], []],
    [
      'an Update (kubectl edit): drift, not self-management',
      [entry('kubectl-edit', 'Update', ['f:spec'])],
      [],
    ],
    ['a status writer', [entry('source-controller', 'Apply', ['f:status'], 'status')], []],
    ['metadata only (a label someone applies)', [entry('kubectl', 'Apply', ['f:metadata'])], []],
    [
      'RBAC without spec',
      [entry('kustomize-controller', 'Apply', ['f:metadata', 'f:rules'])],
      ['kustomize-controller'],
    ],
    [
      'several, sorted and once each',
      [
        entry('kustomize-controller', 'Apply', ['f:spec']),
        entry('helm-controller', 'Apply', ['f:spec']),
        entry('kustomize-controller', 'Apply', ['f:spec']),
      ],
      ['helm-controller', 'kustomize-controller'],
    ],
  ])('%s', (_name, managedFields, managers) => {
    expect(findSelfManagers({ metadata: { managedFields } })).toEqual(managers);
  });

  it('finds nothing in an object without managedFields or no object', () => {
    expect(findSelfManagers({ metadata: {} })).toEqual([]);
    expect(findSelfManagers(undefined)).toEqual([]);
  });
});

describe('describeSelfManaged', () => {
  it('names the objects and managers, counting what is beyond five', () => {
    const objects = Array.from({ length: 7 }, (_, i) => `Deployment flux-system/c${i}`);
    const text = describeSelfManaged({ objects, managers: ['kustomize-controller'] });
    expect(text).toContain('Deployment flux-system/c0');
    expect(text).toContain('and 2 more are applied by kustomize-controller');
    expect(text).not.toContain('c5');
  });
});
