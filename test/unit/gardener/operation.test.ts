import { describe, expect, it } from 'vitest';
import type { OperationState, OperationType } from '../../../src/gardener/constants.js';
import {
  computeOperationType,
  evaluateCreatePredicate,
  evaluateGenerationChanged,
  evaluateUpdatePredicate,
  hasClass,
  shouldSkipOperation,
} from '../../../src/gardener/operation.js';
import type { Extension, LastOperation } from '../../../src/gardener/types.js';

const lastOp = (type: OperationType, state: OperationState): LastOperation => ({
  type,
  state,
  progress: 1,
  description: '',
  lastUpdateTime: '2025-01-01T00:00:00Z',
});

const extension = (
  patch: Partial<Extension['metadata']> = {},
  lastOperation?: LastOperation,
  cls?: string,
): Extension => ({
  metadata: { name: 'shoot-flux', namespace: 'shoot--p--s', generation: 1, ...patch },
  spec: cls ? { type: 'shoot-flux', class: cls } : { type: 'shoot-flux' },
  status: lastOperation ? { lastOperation } : {},
});

describe('computeOperationType', () => {
  it.each([
    [
      'migrate annotation wins over deletion',
      { annotations: { 'gardener.cloud/operation': 'migrate' }, deletionTimestamp: 'x' },
      undefined,
      'Migrate',
    ],
    [
      'deletion',
      { deletionTimestamp: 'x', annotations: { 'gardener.cloud/operation': 'restore' } },
      undefined,
      'Delete',
    ],
    [
      'restore annotation',
      { annotations: { 'gardener.cloud/operation': 'restore' } },
      lastOp('Reconcile', 'Succeeded'),
      'Restore',
    ],
    ['no last operation', {}, undefined, 'Create'],
    ['unfinished create', {}, lastOp('Create', 'Error'), 'Create'],
    ['unfinished migrate', {}, lastOp('Migrate', 'Processing'), 'Migrate'],
    ['unfinished restore', {}, lastOp('Restore', 'Error'), 'Restore'],
    ['finished create', {}, lastOp('Create', 'Succeeded'), 'Reconcile'],
    ['failed reconcile', {}, lastOp('Reconcile', 'Error'), 'Reconcile'],
    [
      'reconcile annotation',
      { annotations: { 'gardener.cloud/operation': 'reconcile' } },
      lastOp('Create', 'Succeeded'),
      'Reconcile',
    ],
  ] as const)('%s', (_name, meta, last, expected) => {
    expect(computeOperationType({ name: 'x', ...meta }, last)).toBe(expected);
  });
});

describe('shouldSkipOperation', () => {
  it('skips everything but migrate and restore after a successful migration', () => {
    const migrated = lastOp('Migrate', 'Succeeded');
    expect(shouldSkipOperation('Reconcile', migrated)).toBe(true);
    expect(shouldSkipOperation('Delete', migrated)).toBe(true);
    expect(shouldSkipOperation('Migrate', migrated)).toBe(false);
    expect(shouldSkipOperation('Restore', migrated)).toBe(false);
    expect(shouldSkipOperation('Reconcile', lastOp('Migrate', 'Error'))).toBe(false);
    expect(shouldSkipOperation('Reconcile', undefined)).toBe(false);
  });
});

describe('predicates', () => {
  it('create: operation annotation, deletion, or last operation not succeeded', () => {
    expect(evaluateCreatePredicate(extension({}, lastOp('Reconcile', 'Succeeded')))).toBe(false);
    expect(evaluateCreatePredicate(extension({}, lastOp('Reconcile', 'Error')))).toBe(true);
    expect(evaluateCreatePredicate(extension({}))).toBe(true);
    expect(
      evaluateCreatePredicate(extension({ deletionTimestamp: 'x' }, lastOp('Reconcile', 'Succeeded'))),
    ).toBe(true);
    expect(
      evaluateCreatePredicate(
        extension(
          { annotations: { 'gardener.cloud/operation': 'reconcile' } },
          lastOp('Reconcile', 'Succeeded'),
        ),
      ),
    ).toBe(true);
    expect(
      evaluateCreatePredicate(
        extension(
          { annotations: { 'gardener.cloud/operation': 'wait-for-state' } },
          lastOp('Reconcile', 'Succeeded'),
        ),
      ),
    ).toBe(false);
  });

  it('update: operation annotation, or deletion without a status change', () => {
    const old = extension({}, lastOp('Reconcile', 'Succeeded'));
    expect(evaluateUpdatePredicate(old, extension({ generation: 2 }, lastOp('Reconcile', 'Succeeded')))).toBe(
      false,
    );
    expect(
      evaluateUpdatePredicate(old, extension({ annotations: { 'gardener.cloud/operation': 'migrate' } })),
    ).toBe(true);
    expect(
      evaluateUpdatePredicate(old, extension({ deletionTimestamp: 'x' }, lastOp('Reconcile', 'Succeeded'))),
    ).toBe(true);
    expect(
      evaluateUpdatePredicate(old, extension({ deletionTimestamp: 'x' }, lastOp('Delete', 'Processing'))),
    ).toBe(false);
  });

  it('generation changed', () => {
    expect(evaluateGenerationChanged(extension({ generation: 1 }), extension({ generation: 2 }))).toBe(true);
    expect(evaluateGenerationChanged(extension({ generation: 1 }), extension({ generation: 1 }))).toBe(false);
  });

  it('class: none configured means shoot; no class counts as shoot', () => {
    expect(hasClass(extension(), [])).toBe(true);
    expect(hasClass(extension({}, undefined, 'seed'), [])).toBe(false);
    expect(hasClass(extension({}, undefined, 'seed'), ['seed', 'garden'])).toBe(true);
    expect(hasClass(extension(), ['seed'])).toBe(false);
  });
});
