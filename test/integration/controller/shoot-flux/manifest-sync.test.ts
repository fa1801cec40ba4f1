import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../../src/api/evaluate.js';
import type { TemplateSchemas } from '../../../../src/api/template-schema.js';
import { syncBootstrapManifests } from '../../../../src/controller/shoot-flux/manifest-sync.js';
import { FluxBundleLoader } from '../../../../src/flux/bundle-loader.js';
import { buildTemplateSchemas } from '../../../../src/flux/crd-schemas.js';
import { KubeRawClient } from '../../../../src/kube/raw-client.js';
import { RestMapper } from '../../../../src/kube/rest-mapper.js';
import { discardLogger } from '../../../../src/log/logger.js';
import { makeFluxManifestsBase } from '../../../harness/gardener-objects.js';
import { clusterKubeConfig, createTestNamespace } from '../../support/clusters.js';

// The re-apply of the source and Kustomization (ManifestsOnly, Full) against the run's shoot API
// server, which serves the Flux CRDs: what it sends, and when it needs the release bundle.
describe('syncBootstrapManifests (shoot API server)', () => {
  const verbs: string[] = [];
  const client = new KubeRawClient(clusterKubeConfig('shoot'), (verb) => verbs.push(verb));
  const shoot = { client, mapper: new RestMapper(client) };
  const reads = new Set(['get', 'list', 'watch', 'discover']);

  it('prunes fields the CRDs do not declare, and loads the schemas only when it applies', async () => {
    const namespace = await createTestNamespace(clusterKubeConfig('shoot'), 'flux');
    const { config } = evaluateFluxConfig({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      syncMode: 'ManifestsOnly',
      flux: { namespace },
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' }, intervall: '5m' },
        },
      },
      kustomization: { template: { spec: { path: './' } } },
    });
    if (!config) throw new Error('the test config is invalid');
    const bundles = new FluxBundleLoader({ bases: [await makeFluxManifestsBase()] });
    let loads = 0;
    const loadSchemas = async (): Promise<TemplateSchemas> => {
      loads++;
      return buildTemplateSchemas(await bundles.load(config.flux.version));
    };
    const sync = (recorded: Parameters<typeof syncBootstrapManifests>[0]['recorded']) =>
      syncBootstrapManifests({
        shoot,
        config,
        recorded,
        signal: AbortSignal.timeout(60_000),
        logger: discardLogger,
        loadSchemas,
      });

    const first = await sync(undefined);
    expect(first.applied.map((a) => a.result)).toEqual(['created', 'created']);
    expect(loads).toBe(1);
    const applied = first.applied[0]?.applied as { spec?: Record<string, unknown> } | undefined;
    expect(applied?.spec).toMatchObject({ url: 'https://git.example.com/r.git' });
    expect(applied?.spec).not.toHaveProperty('intervall');

    // Steady: the recorded sync matches the live objects; nothing is loaded or sent.
    verbs.length = 0;
    const steady = await sync(first.record);
    expect(steady.applied).toEqual([]);
    expect(steady.record).toBe(first.record);
    expect(loads).toBe(1);
    expect(verbs.filter((verb) => !reads.has(verb))).toEqual([]);
  });
});
