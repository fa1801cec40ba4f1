import { describe, expect, it } from 'vitest';
import {
  buildOwnershipRecord,
  buildShootSecret,
  keyOfSecret,
  planSecretActions,
  type SecretSnapshot,
} from '../../../../src/controller/shoot-flux/secret-actions.js';
import type { SecretKey } from '../../../../src/controller/shoot-flux/state.js';

const managed = { 'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux' };
const owner = 'shoot--p--s/shoot-flux/0b5a';
const ours = { 'flux.extensions.gardener.cloud/owner': owner };

describe('buildShootSecret', () => {
  it('copies data and type and sets the managed-by label and the owner mark', () => {
    expect(
      buildShootSecret(
        'flux-system',
        'flux-system',
        {
          type: 'kubernetes.io/dockerconfigjson',
          data: { '.dockerconfigjson': 'e30=' },
          labels: { team: 'a' },
        },
        owner,
      ),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'flux-system', namespace: 'flux-system', labels: managed, annotations: ours },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    });
  });

  it('copies seed labels only when annotated, never overriding managed-by', () => {
    const secret = buildShootSecret(
      's',
      'ns',
      {
        data: {},
        labels: { team: 'a', 'app.kubernetes.io/managed-by': 'someone-else' },
        annotations: { 'gardener-extension-shoot-flux/copy-labels': 'True' },
      },
      owner,
    );
    expect(secret.metadata.labels).toEqual({ team: 'a', ...managed });
    expect(secret.type).toBe('Opaque');
  });
});

describe('planSecretActions', () => {
  const desired = buildShootSecret('git', 'flux-system', { data: { password: 'cGFzcw==' } }, owner);
  const snapshot = (
    key: SecretKey,
    overrides: {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
      type?: string;
      data?: Record<string, string>;
    } = {},
  ): SecretSnapshot => ({
    metadata: {
      ...key,
      labels: overrides.labels ?? managed,
      annotations: overrides.annotations ?? ours,
    },
    type: overrides.type ?? 'Opaque',
    data: overrides.data ?? { password: 'cGFzcw==' },
  });
  const git = { namespace: 'flux-system', name: 'git' };
  const plan = (existing: SecretSnapshot[], recorded: SecretKey[] = []) =>
    planSecretActions({
      desired: [desired],
      existing: new Map(existing.map((s) => [keyOfSecret(s), s])),
      recorded,
      owner,
    });

  it.each([
    ['missing secret is created', [], 'create'],
    ['identical secret costs no write', [snapshot(git)], 'unchanged'],
    ['changed data is updated', [snapshot(git, { data: { password: 'b2xk' } })], 'update'],
    ['changed labels are updated', [snapshot(git, { labels: { ...managed, extra: 'x' } })], 'update'],
    ['type change recreates', [snapshot(git, { type: 'kubernetes.io/basic-auth' })], 'recreate'],
    ['unmanaged same-named secret is a conflict', [snapshot(git, { labels: {} })], 'conflict'],
    // Synced before the owner mark existed, or by an Extension since recreated: adopted.
    ['a labelled secret without our mark is adopted', [snapshot(git, { annotations: {} })], 'update'],
    [
      'a labelled secret with another mark is adopted',
      [snapshot(git, { annotations: { 'flux.extensions.gardener.cloud/owner': 'x' } })],
      'update',
    ],
  ])('%s', (_name, existing, action) => {
    expect(plan(existing).map((a) => a.action)).toEqual([action]);
  });

  it('ignores annotations other than the owner mark', () => {
    const annotated = snapshot(git, {
      annotations: { ...ours, 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    });
    expect(plan([annotated]).map((a) => a.action)).toEqual(['unchanged']);
  });

  it('deletes only recorded secrets that still carry our label and mark', () => {
    const stale = snapshot({ namespace: 'flux-system', name: 'old' });
    const copy = snapshot({ namespace: 'default', name: 'old' });
    const foreign = snapshot({ namespace: 'team-a', name: 'theirs' }, { annotations: {} });
    const replaced = snapshot({ namespace: 'flux-system', name: 'replaced' }, { labels: {} });
    const remarked = snapshot(
      { namespace: 'flux-system', name: 'remarked' },
      { annotations: { 'flux.extensions.gardener.cloud/owner': 'other' } },
    );
    const actions = plan(
      [stale, copy, foreign, replaced, remarked],
      [stale.metadata, replaced.metadata, remarked.metadata, { namespace: 'flux-system', name: 'gone' }],
    );
    expect(actions).toEqual([
      { action: 'create', desired },
      { action: 'forget', key: { namespace: 'flux-system', name: 'gone' }, reason: 'gone' },
      { action: 'delete', existing: stale },
      { action: 'forget', key: { namespace: 'flux-system', name: 'remarked' }, reason: 'not-ours' },
      { action: 'forget', key: { namespace: 'flux-system', name: 'replaced' }, reason: 'not-ours' },
    ]);
    // The copy in default and the other team's labelled secret are neither recorded nor touched.
  });

  it('deletes nothing without a record, whatever carries the label (state from before the record)', () => {
    const labelled = [
      snapshot({ namespace: 'flux-system', name: 'old' }),
      snapshot({ namespace: 'team-a', name: 'x' }),
    ];
    expect(plan(labelled).map((a) => a.action)).toEqual(['create']);
  });
});

describe('buildOwnershipRecord', () => {
  const a = { namespace: 'flux-system', name: 'a' };
  const b = { namespace: 'apps', name: 'b' };
  const c = { namespace: 'flux-system', name: 'c' };
  const secret = (key: SecretKey) => buildShootSecret(key.name, key.namespace, {}, owner);

  it('records ahead what is about to be written, and afterwards only what is held', () => {
    const record = buildOwnershipRecord(
      [
        { action: 'create', desired: secret(a) },
        { action: 'conflict', desired: secret(b) },
        { action: 'delete', existing: { metadata: c } },
      ],
      [c],
    );
    expect(record).toEqual({ ahead: [a, c], after: [a] });
  });

  it('keeps one stable order without duplicates', () => {
    const record = buildOwnershipRecord(
      [
        { action: 'unchanged', desired: secret(c) },
        { action: 'update', desired: secret(b) },
      ],
      [c, a, c],
    );
    expect(record.ahead).toEqual([b, a, c]);
    expect(record.after).toEqual([b, c]);
  });
});
