import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { defaultFluxVersion } from '../../src/api/constants.js';
import { findFluxBundleDir } from './testdata.js';

/** What gardenlet writes about a shoot that the tests vary. */
export interface ShootFacts {
  name: string;
  projectNamespace?: string;
  resources?: unknown[];
  hibernated?: boolean;
  clusterIdentity?: string;
  technicalID?: string;
}

/** The cluster-scoped `Cluster` gardenlet writes for a shoot's seed namespace. */
export function buildClusterObject(namespace: string, shoot: ShootFacts): Record<string, unknown> {
  return {
    apiVersion: 'extensions.gardener.cloud/v1alpha1',
    kind: 'Cluster',
    metadata: { name: namespace },
    spec: {
      cloudProfile: {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'CloudProfile',
        metadata: { name: 'local' },
      },
      seed: { apiVersion: 'core.gardener.cloud/v1beta1', kind: 'Seed', metadata: { name: 'local' } },
      shoot: {
        apiVersion: 'core.gardener.cloud/v1beta1',
        kind: 'Shoot',
        metadata: { name: shoot.name, namespace: shoot.projectNamespace ?? 'garden-local' },
        spec: {
          resources: shoot.resources ?? [],
          ...(shoot.hibernated ? { hibernation: { enabled: true } } : {}),
        },
        status: {
          clusterIdentity: shoot.clusterIdentity ?? `${namespace}-identity`,
          technicalID: shoot.technicalID ?? namespace,
          ...(shoot.hibernated ? { isHibernated: true } : {}),
        },
      },
    },
  };
}

/**
 * The kubeconfig of a shoot access secret (`gardener`) for a test control plane: its server and
 * token with the CA inlined, as gardenlet writes it (a secret cannot point at a local file).
 */
export async function buildShootAccessKubeconfig(plane: {
  server: string;
  token: string;
  caFile: string;
}): Promise<string> {
  const ca = (await readFile(plane.caFile)).toString('base64');
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'shoot', cluster: { server: plane.server, 'certificate-authority-data': ca } }],
    users: [{ name: 'gardener', user: { token: plane.token } }],
    contexts: [{ name: 'shoot', context: { cluster: 'shoot', user: 'gardener' } }],
    'current-context': 'shoot',
  });
}

/**
 * A `--flux-manifests-base` directory for the test bundle: the loader wants `<base>/<version>/`,
 * the shared bundle is one flat directory, so `<tmp>/<default version>` links to it.
 */
export async function makeFluxManifestsBase(): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), 'shoot-flux-bundles-'));
  await symlink(findFluxBundleDir(), path.join(base, defaultFluxVersion));
  return base;
}
