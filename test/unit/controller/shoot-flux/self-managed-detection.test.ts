import { describe, expect, it } from 'vitest';
import {
  describeSelfManaged,
  findSelfManagers,
  mergeSelfManaged,
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

describe('findSelfManagers of an object with nothing but metadata', () => {
  // A ServiceAccount of the installation, and managedFields as real kustomize-controller leaves
  // them after applying it from Git: its entry holds metadata only, our labels among them.
  const serviceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: 'source-controller',
      namespace: 'flux-system',
      labels: { 'app.kubernetes.io/instance': 'flux-system', 'app.kubernetes.io/part-of': 'flux' },
    },
  };
  const labels = (...keys: string[]) => ({
    'f:metadata': { 'f:labels': Object.fromEntries(keys.map((k) => [`f:${k}`, {}])) },
  });
  const ours = {
    manager: 'gardener-extension-shoot-flux',
    operation: 'Apply',
    time: '2026-01-01T00:00:01Z',
    fieldsV1: labels('app.kubernetes.io/instance', 'app.kubernetes.io/part-of'),
  };
  const live = (theirs: Record<string, unknown>) => ({ metadata: { managedFields: [ours, theirs] } });

  it.each([
    [
      'kustomize-controller applying our labels (and its own)',
      labels('app.kubernetes.io/instance', 'app.kubernetes.io/part-of', 'kustomize.toolkit.fluxcd.io/name'),
      ['kustomize-controller'],
    ],
    ['another manager applying only a label of its own', labels('team'), []],
    ['an annotation we do not set', { 'f:metadata': { 'f:annotations': { 'f:note': {} } } }, []],
  ])('%s', (_name, fieldsV1, managers) => {
    const theirs = {
      manager: 'kustomize-controller',
      operation: 'Apply',
      time: '2026-01-01T00:00:05Z',
      fieldsV1,
    };
    expect(findSelfManagers(live(theirs), serviceAccount)).toEqual(managers);
  });

  it('counts our annotations too', () => {
    const annotated = {
      ...serviceAccount,
      metadata: { ...serviceAccount.metadata, annotations: { note: 'x' } },
    };
    const theirs = {
      manager: 'kustomize-controller',
      operation: 'Apply',
      time: '2026-01-01T00:00:05Z',
      fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:note': {} } } },
    };
    expect(findSelfManagers(live(theirs), annotated)).toEqual(['kustomize-controller']);
  });

  it('does not count our labels applied before our last apply, nor by Update', () => {
    const fieldsV1 = labels('app.kubernetes.io/instance');
    const before = {
      manager: 'kustomize-controller',
      operation: 'Apply',
      time: '2026-01-01T00:00:00Z',
      fieldsV1,
    };
    const update = { manager: 'kubectl-label', operation: 'Update', time: '2026-01-01T00:00:05Z', fieldsV1 };
    expect(findSelfManagers(live(before), serviceAccount)).toEqual([]);
    expect(findSelfManagers(live(update), serviceAccount)).toEqual([]);
  });

  it('keeps metadata-only claims out for an object with content, and without the desired object', () => {
    const theirs = {
      manager: 'kustomize-controller',
      operation: 'Apply',
      time: '2026-01-01T00:00:05Z',
      fieldsV1: labels('app.kubernetes.io/instance'),
    };
    expect(findSelfManagers(live(theirs), { ...serviceAccount, spec: { replicas: 1 } })).toEqual([]);
    expect(findSelfManagers(live(theirs))).toEqual([]);
  });
});

describe('mergeSelfManaged', () => {
  it('joins reports in order, each object and manager once, managers sorted', () => {
    expect(
      mergeSelfManaged(
        { objects: ['GitRepository f/flux-system'], managers: ['kustomize-controller'] },
        undefined,
        {
          objects: ['Namespace f', 'GitRepository f/flux-system'],
          managers: ['kustomize-controller', 'argocd'],
        },
      ),
    ).toEqual({
      objects: ['GitRepository f/flux-system', 'Namespace f'],
      managers: ['argocd', 'kustomize-controller'],
    });
  });

  it('is undefined when no report found anything', () => {
    expect(mergeSelfManaged(undefined, { objects: [], managers: [] })).toBeUndefined();
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
