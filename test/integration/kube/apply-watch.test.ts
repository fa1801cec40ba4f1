import { beforeEach, describe, expect, it } from 'vitest';
import { applyObject, applyObjects, type ApplyObject } from '../../../src/kube/apply.js';
import { KubernetesApiError } from '../../../src/kube/errors.js';
import { KubeRawClient } from '../../../src/kube/raw-client.js';
import { waitForCollections } from '../../../src/kube/watch.js';
import { clusterKubeConfig, createTestNamespace } from '../support/clusters.js';

describe('server-side apply and waiting by watching (shoot API server)', () => {
  const verbs: string[] = [];
  const shoot = new KubeRawClient(clusterKubeConfig('shoot'), (verb) => verbs.push(verb));
  let namespace: string;

  // One namespace per test, removed after it.
  beforeEach(async () => {
    namespace = await createTestNamespace(clusterKubeConfig('shoot'));
  });

  const configMap = (data: Record<string, string>): ApplyObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'applied', namespace },
    data,
  });

  it('applies core-group objects raw and reports created and updated', async () => {
    verbs.length = 0;
    expect((await applyObject(shoot, configMap({ a: '1' }))).result).toBe('created');
    // 'unchanged' needs our last change to be at least a second old (managedFields time
    // resolution); test/integration/flux/install.test.ts covers it.
    const updated = await applyObject(shoot, configMap({ a: '2' }));
    expect(updated.result).toBe('updated');
    expect(updated.applied).toMatchObject({ data: { a: '2' } });
    // No reads before writes: discovery aside, only applies.
    expect(verbs.filter((v) => v !== 'discover')).toEqual(['apply', 'apply']);
  });

  it('keeps fields the client-node models would drop (a Secret with stringData and type)', async () => {
    const { applied } = await applyObject(shoot, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'raw', namespace, labels: { 'example.com/x': 'y' } },
      type: 'example.com/custom',
      stringData: { token: 'not-logged' },
    });
    expect(applied).toMatchObject({
      type: 'example.com/custom',
      data: { token: Buffer.from('not-logged').toString('base64') },
    });
  });

  it('fails with a KubernetesApiError naming verb, object, status and reason', async () => {
    const err = await applyObject(shoot, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'Not_Valid', namespace },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubernetesApiError);
    expect(err).toMatchObject({
      verb: 'apply',
      object: `ConfigMap ${namespace}/Not_Valid`,
      statusCode: 422,
      reason: 'Invalid',
    });
    expect((err as Error).message).toMatch(/^apply ConfigMap .*\/Not_Valid: HTTP 422 Invalid: /);
  });

  it('requires a namespace for namespaced kinds', async () => {
    await expect(
      applyObjects(shoot, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }]),
    ).rejects.toThrow('apply ConfigMap x: metadata.namespace: Required value');
  });

  it('resolves the moment a watched object changes', async () => {
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    const waiting = waitForCollections(shoot, {
      collections: [{ path, fieldSelector: 'metadata.name=watched' }],
      signal: AbortSignal.timeout(60_000),
      evaluate: ([items = []]) => {
        const data = (items[0] as { data?: Record<string, string> } | undefined)?.data;
        return { done: data?.phase === 'two', progress: data?.phase ?? 'missing' };
      },
    });
    await applyObject(shoot, { ...configMap({ phase: 'one' }), metadata: { name: 'watched', namespace } });
    await applyObject(shoot, { ...configMap({ phase: 'two' }), metadata: { name: 'watched', namespace } });
    await expect(waiting).resolves.toEqual({ done: true, progress: 'two' });
  });

  it('returns the last progress at the deadline', async () => {
    const controller = new AbortController();
    const waiting = waitForCollections(shoot, {
      collections: [
        { path: `/api/v1/namespaces/${namespace}/configmaps`, fieldSelector: 'metadata.name=never' },
      ],
      signal: controller.signal,
      evaluate: ([items = []]) => ({ done: false, progress: items.length }),
    });
    controller.abort();
    await expect(waiting).resolves.toEqual({ done: false, progress: 0 });
  });
});
