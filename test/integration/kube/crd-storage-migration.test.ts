import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { applyObject, waitForCrdsEstablished, type ApplyObject } from '../../../src/kube/apply.js';
import { migrateCrdStorage } from '../../../src/kube/crd-storage-migration.js';
import { KubeRawClient } from '../../../src/kube/raw-client.js';
import { findFluxBundle, fluxReleasePin } from '../../harness/flux-bundles.js';
import { clusterKubeConfig, createTestNamespace } from '../support/clusters.js';

// Flux v2.3.0 stores OCIRepository (and Bucket) in v1beta2; v2.9.2 serves and stores only v1.
// Applying v2.9.2's CRD over v2.3.0's with objects still stored in v1beta2 is refused (or, when
// forced through, leaves them unreadable): the migration must rewrite them first. The real CRDs
// of both releases are used, moved to a group of this test's own, since the run's shoot API
// server serves the real Flux group to other tests at the same time.
const group = `source.migration-${randomBytes(3).toString('hex')}.example.com`;

function loadCrd(version: string, name: string): ApplyObject {
  const found = findFluxBundle(fluxReleasePin(version)).found;
  if (!found) throw new Error(`the Flux ${version} bundle is not prepared (npm run setup)`);
  const documents = yaml.loadAll(readFileSync(path.join(found.dir, 'source-controller.yaml'), 'utf8'));
  const crd = documents.find(
    (d) => (d as { kind?: string; metadata?: { name?: string } }).metadata?.name === name,
  ) as ApplyObject & { spec: { group: string; names: { plural: string } } };
  // Only the group moves; versions, schemas and storage flags stay as the release has them.
  return {
    ...crd,
    metadata: { name: `${crd.spec.names.plural}.${group}`, labels: { test: 'crd-storage-migration' } },
    spec: { ...crd.spec, group },
  };
}

describe('CRD storage migration (shoot API server, real Flux CRDs)', () => {
  const client = new KubeRawClient(clusterKubeConfig('shoot'));
  const signal = AbortSignal.timeout(100_000);
  const crdName = `ocirepositories.${group}`;
  let namespace: string;
  const names = Array.from({ length: 7 }, (_, i) => `oci-${i}`);

  // One namespace per test, removed with everything in it when the test finished.
  beforeEach(async () => {
    namespace = await createTestNamespace(clusterKubeConfig('shoot'));
  });
  afterAll(async () => {
    await client
      .request({
        method: 'DELETE',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
        verb: 'delete',
        object: crdName,
      })
      .catch(() => undefined);
  });

  const readCrd = async () =>
    (
      await client.request({
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
        verb: 'get',
        object: crdName,
      })
    ).body as { status?: { storedVersions?: string[] }; spec?: { versions?: { name: string }[] } };

  const list = async (version: string) =>
    (
      (
        await client.request({
          method: 'GET',
          path: `/apis/${group}/${version}/namespaces/${namespace}/ocirepositories`,
          verb: 'list',
          object: 'ocirepositories',
        })
      ).body as { items: { apiVersion: string; metadata: { name: string }; spec: { url: string } }[] }
    ).items;

  it('rewrites every OCIRepository stored at v1beta2 into v1, trims storedVersions, and loses nothing', async () => {
    const legacy = loadCrd('v2.3.0', 'ocirepositories.source.toolkit.fluxcd.io');
    const next = loadCrd('v2.9.2', 'ocirepositories.source.toolkit.fluxcd.io');
    await applyObject(client, legacy, { signal });
    await waitForCrdsEstablished(client, [crdName], signal);
    for (const name of names) {
      await expect
        .poll(async () => {
          try {
            await applyObject(client, {
              apiVersion: `${group}/v1beta2`,
              kind: 'OCIRepository',
              metadata: { name, namespace },
              spec: { url: `oci://registry.example.com/${name}`, interval: '5m', ref: { tag: 'latest' } },
            });
            return true;
          } catch {
            return false;
          }
        })
        .toBe(true);
    }
    expect((await readCrd()).status?.storedVersions).toEqual(['v1beta2']);

    // Without the migration the new CRD is refused: its objects would become unreadable.
    await expect(applyObject(client, next, { signal })).rejects.toThrow(/storedVersions/);

    const migrations = await migrateCrdStorage(client, [next], { signal, pageSize: 3 });
    expect(migrations).toEqual([{ crd: crdName, from: ['v1beta2'], to: 'v1', objects: names.length }]);
    expect((await readCrd()).status?.storedVersions).toEqual(['v1']);

    await applyObject(client, next, { signal });
    await waitForCrdsEstablished(client, [crdName], signal);
    expect((await readCrd()).spec?.versions?.map((v) => v.name)).toEqual(['v1']);
    // v1beta2 is gone from the definition: objects still stored there could not be decoded now.
    await expect.poll(async () => (await list('v1')).length).toBe(names.length);
    const items = await list('v1');
    expect(items.map((i) => i.metadata.name).sort()).toEqual(names);
    for (const item of items) {
      expect(item.apiVersion).toBe(`${group}/v1`);
      expect(item.spec.url).toBe(`oci://registry.example.com/${item.metadata.name}`);
    }
  });

  it('leaves a CRD that stores nothing stale alone and a CRD that does not exist yet too', async () => {
    const next = loadCrd('v2.9.2', 'ocirepositories.source.toolkit.fluxcd.io');
    const absent = { ...next, metadata: { name: `buckets.${group}` } };
    expect(await migrateCrdStorage(client, [next, absent], { signal })).toEqual([]);
  });
});
