import { randomBytes } from 'node:crypto';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { BasicAuth } from '../harness/git-server.js';
import { pushFluxArtifact } from '../harness/oci-push.js';
import {
  buildSeedNamespace,
  buildSourceFiles,
  expectBootstrapped,
  kustomizationTemplate,
  readShootConfigMap,
  useLandscape,
} from './support/cases.js';
import { buildDockerConfigJson } from '../../hack/landscape/gardenlet.js';

// One seed and one shoot control plane for this file, an OCI registry with htpasswd auth on
// loopback, real Flux started once the extension installed it; the test plays gardenlet and
// the kubelet only.
const registryAuth = { username: 'oci-user', password: randomBytes(8).toString('hex') } satisfies BasicAuth;

describe('e2e: OCIRepository source with real Flux', () => {
  const currentLandscape = useLandscape({ registry: { auth: registryAuth }, reconcileTimeout: '60s' }, [
    registryAuth.password,
  ]);

  it('bootstraps an OCIRepository (tag ref, dockerconfigjson auth); Flux applies the artifact with shoot-info substituted', async () => {
    const landscape = currentLandscape();
    const registry = landscape.registry;
    if (!registry) throw new Error('the landscape has no registry');
    const pushed = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: 'fleet/manifests',
      tag: 'v1.0.0',
      files: buildSourceFiles('from-oci'),
      source: 'https://git.example.com/fleet',
      revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
      auth: registryAuth,
    });
    const namespace = buildSeedNamespace('e2e');
    const gardenlet = landscape.gardenlet(namespace);
    await gardenlet.createShoot({
      name: 'oci',
      projectNamespace: 'garden-e2e',
      resources: [
        {
          name: 'registry-credentials',
          resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'fleet-registry-credentials' },
        },
      ],
    });
    await gardenlet.writeSecret(
      'ref-fleet-registry-credentials',
      { '.dockerconfigjson': buildDockerConfigJson(registry.host, registryAuth) },
      'kubernetes.io/dockerconfigjson',
    );
    const createdAt = await gardenlet.createExtension({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'OCIRepository',
          spec: { url: pushed.url, ref: { tag: 'v1.0.0' }, interval: '1m', timeout: '20s', insecure: true },
        },
        secretResourceName: 'registry-credentials',
      },
      kustomization: { template: kustomizationTemplate },
    });
    await landscape.ensureFluxControllers();

    await expectBootstrapped(gardenlet, createdAt, 'OCIRepository with dockerconfigjson auth');
    expect(await readShootConfigMap(landscape.shoot.kubeConfig, 'from-oci')).toEqual({
      shoot: 'oci',
      technicalID: namespace,
      garden: landscape.gardenClusterIdentity,
    });
    const source = (await landscape.shoot.kubeConfig
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({
        group: 'source.toolkit.fluxcd.io',
        version: 'v1',
        namespace: 'flux-system',
        plural: 'ocirepositories',
        name: 'flux-system',
      })) as { status?: { artifact?: { revision?: string } } };
    expect(source.status?.artifact?.revision).toBe(pushed.revision);
  });
});
