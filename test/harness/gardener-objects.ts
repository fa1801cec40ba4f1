import { mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { defaultFluxVersion } from '../../src/api/constants.js';
import { fluxReleases } from './asset-versions.js';
import { findFluxBundle } from './flux-bundles.js';
import type { BasicAuth } from './git-server.js';
import { findFluxBundleDir } from './testdata.js';

/** What gardenlet writes about a shoot that the tests vary. */
export interface ShootFacts {
  name: string;
  projectNamespace?: string;
  resources?: unknown[];
  hibernated?: boolean;
  clusterIdentity?: string;
  technicalID?: string;
  /** `spec.kubernetes.version`; absent leaves `spec.kubernetes` out. */
  kubernetesVersion?: string;
}

/** The Shoot inside a Cluster, as gardenlet copies it from the garden. */
export function buildShootObject(namespace: string, shoot: ShootFacts): Record<string, unknown> {
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Shoot',
    metadata: { name: shoot.name, namespace: shoot.projectNamespace ?? 'garden-local' },
    spec: {
      resources: shoot.resources ?? [],
      ...(shoot.hibernated ? { hibernation: { enabled: true } } : {}),
      ...(shoot.kubernetesVersion ? { kubernetes: { version: shoot.kubernetesVersion } } : {}),
    },
    status: {
      clusterIdentity: shoot.clusterIdentity ?? `${namespace}-identity`,
      technicalID: shoot.technicalID ?? namespace,
      ...(shoot.hibernated ? { isHibernated: true } : {}),
    },
  };
}

/** The cluster-scoped `Cluster` gardenlet writes for a shoot's seed namespace (shoot given raw). */
export function buildClusterObject(namespace: string, shoot: unknown): Record<string, unknown> {
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
      shoot,
    },
  };
}

/** What of an Extension the tests vary; gardenlet's operation and timestamp annotations are always set. */
export interface ExtensionFacts {
  type?: string;
  class?: string;
  providerConfig?: unknown;
  annotations?: Record<string, string>;
}

/** The `Extension` gardenlet creates (named after its type's extension, `shoot-flux`), asking for a reconcile. */
export function buildExtensionObject(extension: ExtensionFacts = {}): Record<string, unknown> {
  return {
    apiVersion: 'extensions.gardener.cloud/v1alpha1',
    kind: 'Extension',
    metadata: {
      name: 'shoot-flux',
      annotations: {
        'gardener.cloud/operation': 'reconcile',
        'gardener.cloud/timestamp': new Date().toISOString(),
        ...extension.annotations,
      },
    },
    spec: {
      type: extension.type ?? 'shoot-flux',
      ...(extension.class ? { class: extension.class } : {}),
      ...(extension.providerConfig === undefined ? {} : { providerConfig: extension.providerConfig }),
    },
  };
}

/** The `kubernetes.io/dockerconfigjson` payload of a `ref-*` secret for one registry host. */
export function buildDockerConfigJson(host: string, auth: BasicAuth): string {
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  return JSON.stringify({
    auths: { [host]: { username: auth.username, password: auth.password, auth: basic } },
  });
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
 * A `--flux-manifests-base` directory for the test bundles: the loader wants `<base>/<version>/`,
 * so `<tmp>/<version>` links to each bundle found: the default version's (required) and those of
 * the other releases the tests use (when prepared; `npm run setup` prepares them).
 */
export async function makeFluxManifestsBase(): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), 'shoot-flux-bundles-'));
  await symlink(findFluxBundleDir(defaultFluxVersion), path.join(base, defaultFluxVersion));
  for (const pin of Object.values(fluxReleases)) {
    const found = pin.version === defaultFluxVersion ? undefined : findFluxBundle(pin).found;
    if (found) await symlink(found.dir, path.join(base, pin.version));
  }
  return base;
}
