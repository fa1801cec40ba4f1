import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { evaluateExtensionReadiness } from '../../src/gardener/status.js';
import type { Extension } from '../../src/gardener/types.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootObject,
} from '../../test/harness/gardener-objects.js';
import { buildGitFluxConfig } from '../../test/harness/flux-configs.js';

/** What varies between the benches' shoots: Git credentials (default with) and the sync mode. */
export interface BenchProviderConfigOptions {
  gitCredentials?: boolean;
  syncMode?: string;
}

/** The FluxConfig of every bench shoot: a GitRepository (with credentials unless told) and a Kustomization. */
export const providerConfig = (fluxNamespace: string, options: BenchProviderConfigOptions = {}) =>
  buildGitFluxConfig({
    url: 'https://git.example.com/org/fleet.git',
    fluxNamespace,
    ...(options.gitCredentials === false ? {} : { secretResourceName: 'git' }),
    ...(options.syncMode !== undefined ? { syncMode: options.syncMode } : {}),
  });
/** The shoot's resources the config's `secretResourceName` names. */
export const shootResources = [
  { name: 'git', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'git-auth' } },
];

/** One shoot as gardenlet creates it: seed namespace, Cluster, access secret(s), Extension. */
export async function createBenchShoot(
  seed: KubeConfig,
  namespace: string,
  kubeconfig: string,
  fluxNamespace: string,
  /** With the Git credentials resource (`ref-git-auth` in the seed) the config refers to. */
  withGitSecret: boolean,
  /** The config's `syncMode`; the default (`Once`) when undefined. */
  syncMode?: string,
): Promise<void> {
  const core = seed.makeApiClient(CoreV1Api);
  const custom = seed.makeApiClient(CustomObjectsApi);
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
  });
  const name = namespace.split('--').pop() ?? '';
  await custom.createClusterCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    plural: 'clusters',
    body: buildClusterObject(
      namespace,
      buildShootObject(namespace, { name, resources: withGitSecret ? shootResources : undefined }),
    ),
  });
  const secrets: [string, Record<string, string>][] = [
    ['gardener', { kubeconfig: Buffer.from(kubeconfig).toString('base64') }],
  ];
  if (withGitSecret) secrets.push(['ref-git-auth', { password: Buffer.from('pw').toString('base64') }]);
  for (const [secretName, data] of secrets) {
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: secretName }, data } });
  }
  await custom.createNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    body: buildExtensionObject({
      providerConfig: providerConfig(fluxNamespace, {
        gitCredentials: withGitSecret,
        ...(syncMode !== undefined ? { syncMode } : {}),
      }),
    }),
  });
}

/** Whether the bench shoot's Extension is as gardenlet wants it (ready, no error, annotation gone). */
export async function isBenchShootReady(seed: KubeConfig, namespace: string): Promise<boolean> {
  const extension = (await seed.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'extensions.gardener.cloud',
    version: 'v1alpha1',
    namespace,
    plural: 'extensions',
    name: 'shoot-flux',
  })) as Extension;
  return evaluateExtensionReadiness(extension) === undefined;
}
