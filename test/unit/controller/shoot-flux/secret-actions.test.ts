import { describe, expect, it } from 'vitest';
import {
  buildShootSecret,
  planSecretActions,
  type SecretSnapshot,
} from '../../../../src/controller/shoot-flux/secret-actions.js';

const managed = { 'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux' };

describe('buildShootSecret', () => {
  it('copies data and type and sets the managed-by label', () => {
    expect(
      buildShootSecret('flux-system', 'flux-system', {
        type: 'kubernetes.io/dockerconfigjson',
        data: { '.dockerconfigjson': 'e30=' },
        labels: { team: 'a' },
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'flux-system', namespace: 'flux-system', labels: managed },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': 'e30=' },
    });
  });

  it('copies seed labels only when annotated, never overriding managed-by', () => {
    const secret = buildShootSecret('s', 'ns', {
      data: {},
      labels: { team: 'a', 'app.kubernetes.io/managed-by': 'someone-else' },
      annotations: { 'gardener-extension-shoot-flux/copy-labels': 'True' },
    });
    expect(secret.metadata.labels).toEqual({ team: 'a', ...managed });
    expect(secret.type).toBe('Opaque');
  });
});

describe('planSecretActions', () => {
  const desired = buildShootSecret('git', 'flux-system', { data: { password: 'cGFzcw==' } });
  const snapshot = (
    overrides: Partial<SecretSnapshot> & { labels?: Record<string, string> },
  ): SecretSnapshot => ({
    metadata: { name: 'git', namespace: 'flux-system', labels: overrides.labels ?? managed },
    type: overrides.type ?? 'Opaque',
    data: overrides.data ?? { password: 'cGFzcw==' },
  });

  it.each([
    ['missing secret is created', [], 'create'],
    ['identical secret costs no write', [snapshot({})], 'unchanged'],
    ['changed data is updated', [snapshot({ data: { password: 'b2xk' } })], 'update'],
    ['changed labels are updated', [snapshot({ labels: { ...managed, extra: 'x' } })], 'update'],
    ['type change recreates', [snapshot({ type: 'kubernetes.io/basic-auth' })], 'recreate'],
    ['unmanaged same-named secret is a conflict', [snapshot({ labels: {} })], 'conflict'],
  ])('%s', (_name, existing, action) => {
    expect(planSecretActions([desired], existing).map((a) => a.action)).toEqual([action]);
  });

  it('deletes managed secrets no longer referenced, and leaves unmanaged ones alone', () => {
    const stale = { metadata: { name: 'old', namespace: 'apps', labels: managed } };
    const foreign = { metadata: { name: 'foreign', namespace: 'apps', labels: {} } };
    expect(planSecretActions([desired], [stale, foreign])).toEqual([
      { action: 'create', desired },
      { action: 'delete', existing: stale },
    ]);
  });
});
