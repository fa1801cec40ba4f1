import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir } from './assets.js';
import { fluxReleases, testAssetVersions } from './asset-versions.js';
import { findFluxBundle, fluxReleasePin, sharedTestdataDir } from './flux-bundles.js';
import { downloadGoModule } from './go-modules.js';

export { sharedTestdataDir } from './flux-bundles.js';

/** Which CRDs a control plane gets. */
export type CrdSet = 'gardener' | 'flux';

const gardenerCrdFiles = [
  'example/seed-crds/10-crd-extensions.gardener.cloud_extensions.yaml',
  'example/seed-crds/10-crd-extensions.gardener.cloud_clusters.yaml',
  'example/resource-manager/10-crd-resources.gardener.cloud_managedresources.yaml',
];

async function yamlFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir);
  return entries
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => path.join(dir, f));
}

async function downloadTo(url: string, file: string): Promise<void> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.from(await response.arrayBuffer()));
}

interface Finder {
  describe: string;
  find: () => Promise<string[]>;
}

function findersFor(set: CrdSet): Finder[] {
  const envVar = set === 'gardener' ? 'SHOOT_FLUX_GARDENER_CRDS' : 'SHOOT_FLUX_FLUX_CRDS';
  const finders: Finder[] = [
    {
      describe: `$${envVar}`,
      find: async () => {
        const dir = process.env[envVar];
        return dir ? yamlFilesIn(dir) : [];
      },
    },
    {
      describe:
        set === 'gardener'
          ? 'shared test data (../shared/testdata or $SHOOT_FLUX_TESTDATA)'
          : `the Flux ${fluxReleases.current.version} release bundle (environment, cache, shared test data)`,
      find: async () => {
        if (set === 'flux') {
          // The whole release bundle: it carries every CRD the controllers watch.
          const bundle = findFluxBundle(fluxReleases.current).found;
          return bundle ? yamlFilesIn(bundle.dir) : [];
        }
        const shared = sharedTestdataDir();
        const dir = shared && path.join(shared, 'crds', 'gardener');
        return dir && existsSync(dir) ? yamlFilesIn(dir) : [];
      },
    },
    {
      describe: 'the Go module cache (go mod download)',
      find: async () => {
        if (set === 'gardener') {
          const dir = await downloadGoModule('github.com/gardener/gardener', testAssetVersions.gardener);
          return gardenerCrdFiles.map((f) => path.join(dir, f));
        }
        const files: string[] = [];
        for (const [module, version] of [
          ['github.com/fluxcd/source-controller', testAssetVersions.sourceController],
          ['github.com/fluxcd/kustomize-controller', testAssetVersions.kustomizeController],
        ] as const) {
          files.push(
            ...(await yamlFilesIn(
              path.join(await downloadGoModule(module, version), 'config', 'crd', 'bases'),
            )),
          );
        }
        return files;
      },
    },
    {
      describe: 'download from GitHub',
      find: async () => {
        const dir = path.join(cacheDir(), 'crds', set);
        if (set === 'gardener') {
          const base = `https://raw.githubusercontent.com/gardener/gardener/${testAssetVersions.gardener}`;
          const files = gardenerCrdFiles.map((f) => path.join(dir, path.basename(f)));
          for (const [i, f] of gardenerCrdFiles.entries()) await downloadTo(`${base}/${f}`, files[i] ?? '');
          return files;
        }
        for (const [repo, version, group] of [
          ['source-controller', testAssetVersions.sourceController, 'source'],
          ['kustomize-controller', testAssetVersions.kustomizeController, 'kustomize'],
        ] as const) {
          const url = `https://github.com/fluxcd/${repo}/releases/download/${version}/${group}-controller.crds.yaml`;
          await downloadTo(url, path.join(dir, `${repo}.crds.yaml`));
        }
        return yamlFilesIn(dir);
      },
    },
  ];
  return finders;
}

/**
 * Finds the YAML files holding a CRD set: an environment variable's directory, the shared test
 * data, the Go module cache, or a download; fails naming the variable to set.
 */
export async function findCrdFiles(set: CrdSet): Promise<string[]> {
  const tried: string[] = [];
  for (const finder of findersFor(set)) {
    try {
      const files = await finder.find();
      if (files.length > 0) return files;
      tried.push(`${finder.describe}: nothing there`);
    } catch (err) {
      tried.push(`${finder.describe}: ${(err as Error).message.split('\n')[0] ?? ''}`);
    }
  }
  const envVar = set === 'gardener' ? 'SHOOT_FLUX_GARDENER_CRDS' : 'SHOOT_FLUX_FLUX_CRDS';
  throw new Error(
    `cannot find the ${set} CRDs; set ${envVar} to a directory of CRD YAML files. Tried:\n  ${tried.join('\n  ')}`,
  );
}

/**
 * The directory of a Flux release bundle (the unpacked `manifests.tar.gz`), default the current
 * release's, for tests: only looks (environment, cache, shared test data) and fails naming how
 * to get it; `npm run setup` downloads or assembles every bundle the tests need into the cache.
 */
export function findFluxBundleDir(version: string = fluxReleases.current.version): string {
  const lookup = findFluxBundle(fluxReleasePin(version));
  if (lookup.found) return lookup.found.dir;
  throw new Error(
    `cannot find the Flux ${version} release bundle: run "npm run setup" (or "npm run test-assets"), which ` +
      `downloads or assembles it from Go modules into the cache, or set SHOOT_FLUX_TEST_FLUX_BUNDLES to a ` +
      `directory holding ${version}/. Looked at:\n  ${lookup.notes.join('\n  ')}`,
  );
}
