import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { assets, type AssetSpec } from '../harness/assets.js';
import { fluxReleases } from '../harness/asset-versions.js';
import type { BasicAuth } from '../harness/git-server.js';
import { pushFluxArtifact } from '../harness/oci-push.js';
import { findFluxBundleDir } from '../harness/testdata.js';
import {
  buildSeedNamespace,
  buildSourceFiles,
  expectBootstrapped,
  kustomizationTemplate,
  readShootConfigMap,
  useLandscape,
} from './support/cases.js';
import { FluxPlayer } from '../harness/flux-player.js';
import { buildDockerConfigJson } from '../harness/gardener-objects.js';

// The OCIRepository apiVersion matrix: a v1beta2 and a v1 template bootstrap against the real
// source-controllers of two Flux releases, one serving OCIRepository only as v1beta2 (before
// v2.6.0) and the current one serving only v1. Each release gets its own seed and shoot control
// planes (the CRDs are cluster-wide), an OCI registry with htpasswd auth on loopback, and real
// Flux started once the extension installed it; every case is its own shoot in the seed and its
// own Flux namespace in the shoot.
const registryAuth = { username: 'oci-user', password: randomBytes(8).toString('hex') } satisfies BasicAuth;

interface FluxLeg {
  version: string;
  /** The only OCIRepository apiVersion this release's CRD serves. */
  served: 'v1' | 'v1beta2';
  sourceController: AssetSpec;
  /**
   * The kustomize-controller binary, or `false`: every kustomize-controller that reads
   * OCIRepository v1beta2 (v1.5 and older) is refused by the Go module proxy these machines
   * reach, so for the older release the test plays kustomize-controller (writes its status).
   */
  kustomizeController: AssetSpec | false;
}

const legs: FluxLeg[] = [
  {
    version: fluxReleases.v1beta2Only.version,
    served: 'v1beta2',
    sourceController: assets.legacySourceController,
    kustomizeController: false,
  },
  {
    version: fluxReleases.current.version,
    served: 'v1',
    sourceController: assets.sourceController,
    kustomizeController: assets.kustomizeController,
  },
];

interface OciRepositoryView {
  apiVersion?: string;
  status?: {
    artifact?: { revision?: string };
    conditions?: { type: string; status: string }[];
  };
}

/** The OCIRepository `flux-system` read at `version`; undefined while it does not exist (or is not served so). */
async function readOciRepository(
  shoot: KubeConfig,
  version: string,
  namespace: string,
): Promise<OciRepositoryView | undefined> {
  return (await shoot
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: 'source.toolkit.fluxcd.io',
      version,
      namespace,
      plural: 'ocirepositories',
      name: 'flux-system',
    })
    .catch(() => undefined)) as OciRepositoryView | undefined;
}

/**
 * Plays kustomize-controller for the Kustomization `flux-system` in `namespace` once the real
 * source-controller made its OCIRepository Ready with `revision`: writes Ready=True for the
 * current generation with that revision applied.
 */
async function playKustomizeController(
  shoot: KubeConfig,
  served: string,
  namespace: string,
  revision: string,
): Promise<void> {
  await expect
    .poll(async () => (await readOciRepository(shoot, served, namespace))?.status?.artifact?.revision)
    .toBe(revision);
  const flux = new FluxPlayer(shoot);
  await expect.poll(() => flux.generationOf('kustomizations', namespace, 'flux-system')).toBeGreaterThan(0);
  await flux.setStatus(
    'kustomizations',
    'flux-system',
    namespace,
    [
      {
        type: 'Ready',
        status: 'True',
        reason: 'ReconciliationSucceeded',
        message: `Applied revision: ${revision}`,
      },
    ],
    { extra: { lastAppliedRevision: revision } },
  );
}

for (const leg of legs) {
  const controllers = leg.kustomizeController
    ? `real source-controller ${leg.sourceController.version} and kustomize-controller ${leg.kustomizeController.version}`
    : `real source-controller ${leg.sourceController.version} (kustomize-controller played)`;

  describe(`e2e: OCIRepository on Flux ${leg.version} (serves ${leg.served} only), ${controllers}`, () => {
    const currentLandscape = useLandscape({ registry: { auth: registryAuth }, reconcileTimeout: '60s' }, [
      registryAuth.password,
    ]);

    it('has the release bundle prepared (npm run setup)', () => {
      expect(findFluxBundleDir(leg.version)).toBeTruthy();
    });

    for (const templateVersion of ['v1beta2', 'v1'] as const) {
      it(`bootstraps a ${templateVersion} template (tag ref, dockerconfigjson auth), written as ${leg.served}`, async () => {
        const landscape = currentLandscape();
        const registry = landscape.registry;
        if (!registry) throw new Error('the landscape has no registry');
        const shootName = `oci-${templateVersion}`;
        const configMapName = `from-oci-${templateVersion}`;
        const pushed = await pushFluxArtifact({
          registry: registry.baseUrl,
          repository: `fleet/${shootName}`,
          tag: 'v1.0.0',
          files: buildSourceFiles(configMapName),
          source: 'https://git.example.com/fleet',
          revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
          auth: registryAuth,
        });
        const namespace = buildSeedNamespace('e2e');
        const gardenlet = landscape.gardenlet(namespace);
        await gardenlet.createShoot({
          name: shootName,
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
        const fluxNamespace = `flux-${shootName}`;
        const createdAt = Date.now();
        await gardenlet.createExtension({
          apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
          kind: 'FluxConfig',
          flux: { version: leg.version, namespace: fluxNamespace },
          source: {
            template: {
              apiVersion: `source.toolkit.fluxcd.io/${templateVersion}`,
              kind: 'OCIRepository',
              spec: {
                url: pushed.url,
                ref: { tag: 'v1.0.0' },
                interval: '1m',
                timeout: '20s',
                insecure: true,
              },
            },
            secretResourceName: 'registry-credentials',
          },
          kustomization: { template: kustomizationTemplate },
        });
        await landscape.ensureFluxControllers(undefined, {
          sourceController: leg.sourceController,
          kustomizeController: leg.kustomizeController,
        });
        const shoot = landscape.shoot.kubeConfig;
        if (!leg.kustomizeController)
          await playKustomizeController(shoot, leg.served, fluxNamespace, pushed.revision);

        await expectBootstrapped(
          gardenlet,
          createdAt,
          `OCIRepository ${templateVersion} on Flux ${leg.version}`,
        );
        // The CRD serves one version only: reading the object at it proves what was written.
        const source = await readOciRepository(shoot, leg.served, fluxNamespace);
        expect(source?.apiVersion).toBe(`source.toolkit.fluxcd.io/${leg.served}`);
        expect(source?.status?.artifact?.revision).toBe(pushed.revision);
        expect(source?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
        const warnings = (await gardenlet.events())
          .filter((e) => e.type === 'Warning' && e.reason === 'ProviderConfigWarning')
          .map((e) => e.message ?? '');
        if (templateVersion === leg.served) {
          expect(warnings.filter((m) => m.includes('OCIRepository'))).toEqual([]);
        } else {
          expect(warnings.join('\n')).toContain(
            `OCIRepository source.toolkit.fluxcd.io/${templateVersion} is written as source.toolkit.fluxcd.io/${leg.served}`,
          );
        }
        if (leg.kustomizeController) {
          // Real kustomize-controller applied the artifact, substituting shoot-info.
          expect(await readShootConfigMap(shoot, configMapName)).toEqual({
            shoot: shootName,
            technicalID: namespace,
            garden: landscape.gardenClusterIdentity,
          });
        }
      });
    }
  });
}
