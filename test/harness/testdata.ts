import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir, repoRoot } from './assets.js';
import { testAssetVersions } from './asset-versions.js';

const execFileAsync = promisify(execFile);

/** Which CRDs a control plane gets. */
export type CrdSet = 'gardener' | 'flux';

/**
 * The shared test data beside the checkout (`../shared/testdata`), or `SHOOT_FLUX_TESTDATA`.
 * Data from other projects is never committed here: it is read from its place at test time.
 */
export function sharedTestdataDir(): string | undefined {
  const dir = process.env.SHOOT_FLUX_TESTDATA ?? path.join(repoRoot, '..', 'shared', 'testdata');
  return existsSync(dir) ? dir : undefined;
}

const gardenerCrdFiles = [
  'example/seed-crds/10-crd-extensions.gardener.cloud_extensions.yaml',
  'example/seed-crds/10-crd-extensions.gardener.cloud_clusters.yaml',
  'example/resource-manager/10-crd-resources.gardener.cloud_managedresources.yaml',
];

/** Downloads a Go module into the module cache and returns its directory. */
async function goModuleDir(module: string, version: string): Promise<string> {
  const { stdout } = await execFileAsync('go', ['mod', 'download', '-json', `${module}@${version}`], {
    env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local', GOFLAGS: '-modcacherw' },
    maxBuffer: 16 * 1024 * 1024,
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(info.Error ?? `go mod download ${module}@${version} returned no directory`);
  return info.Dir;
}

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
      describe: 'shared test data (../shared/testdata or $SHOOT_FLUX_TESTDATA)',
      find: async () => {
        const shared = sharedTestdataDir();
        if (!shared) return [];
        // For Flux the whole release bundle: it carries every CRD the controllers watch.
        const dir =
          set === 'gardener' ? path.join(shared, 'crds', 'gardener') : path.join(shared, 'flux', 'manifests');
        return existsSync(dir) ? yamlFilesIn(dir) : [];
      },
    },
    {
      describe: 'the Go module cache (go mod download)',
      find: async () => {
        if (set === 'gardener') {
          const dir = await goModuleDir('github.com/gardener/gardener', testAssetVersions.gardener);
          return gardenerCrdFiles.map((f) => path.join(dir, f));
        }
        const files: string[] = [];
        for (const [module, version] of [
          ['github.com/fluxcd/source-controller', testAssetVersions.sourceController],
          ['github.com/fluxcd/kustomize-controller', testAssetVersions.kustomizeController],
        ] as const) {
          files.push(
            ...(await yamlFilesIn(path.join(await goModuleDir(module, version), 'config', 'crd', 'bases'))),
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
 * The Flux release bundle (the unpacked `manifests.tar.gz`) of the default Flux version, for the
 * installer tests: `$SHOOT_FLUX_TEST_FLUX_MANIFESTS` or the shared test data.
 */
export function findFluxBundleDir(): string {
  const explicit = process.env.SHOOT_FLUX_TEST_FLUX_MANIFESTS;
  if (explicit) return explicit;
  const shared = sharedTestdataDir();
  const dir = shared && path.join(shared, 'flux', 'manifests');
  if (dir && existsSync(dir)) return dir;
  throw new Error(
    'cannot find the Flux v2.9.2 release bundle; set SHOOT_FLUX_TEST_FLUX_MANIFESTS to a directory holding ' +
      'the unpacked manifests.tar.gz of the release',
  );
}
