import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { pollUntil } from './processes.js';

/** Reads every CustomResourceDefinition document from YAML files or directories of them. */
export async function readCrds(paths: string[]): Promise<V1CustomResourceDefinition[]> {
  const crds: V1CustomResourceDefinition[] = [];
  for (const p of paths) {
    const files = (await stat(p)).isDirectory()
      ? (await readdir(p))
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => path.join(p, f))
      : [p];
    for (const file of files) {
      for (const doc of yaml.loadAll(await readFile(file, 'utf8'))) {
        const object = doc as KubernetesObject | null;
        if (object?.kind === 'CustomResourceDefinition') crds.push(object as V1CustomResourceDefinition);
      }
    }
  }
  return crds;
}

/**
 * Applies CRDs with server-side apply and waits until each is Established and its resource is
 * served (discovery knows it), so a test can use it at once.
 */
export async function installCrds(
  kubeConfig: KubeConfig,
  paths: string[],
  timeoutMs = 60_000,
): Promise<void> {
  const crds = await readCrds(paths);
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  await Promise.all(
    crds.map(async (crd) => {
      const name = crd.metadata?.name ?? '';
      // The raw object goes through CustomObjectsApi untouched: client-node's typed models would
      // drop `x-kubernetes-*`, `default` and `enum` from the schema (they are renamed in the model).
      await custom.patchClusterCustomObject(
        {
          group: 'apiextensions.k8s.io',
          version: 'v1',
          plural: 'customresourcedefinitions',
          name,
          body: crd,
          fieldManager: 'shoot-flux-test-harness',
          force: true,
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
      await pollUntil(
        `CRD ${name} established`,
        async () => {
          const current = await extensions.readCustomResourceDefinition({ name });
          return (current.status?.conditions ?? []).some(
            (c) => c.type === 'Established' && c.status === 'True',
          );
        },
        timeoutMs,
      );
      const served = crd.spec.versions.filter((v) => v.served);
      for (const version of served) {
        await pollUntil(
          `CRD ${name} served at ${version.name}`,
          async () => {
            await custom.listClusterCustomObject({
              group: crd.spec.group,
              version: version.name,
              plural: crd.spec.names.plural,
              limit: 1,
            });
            return true;
          },
          timeoutMs,
        );
      }
    }),
  );
}
