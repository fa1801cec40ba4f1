import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { access, chmod, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';
import { testAssetVersions } from './asset-versions.js';

/** A binary the tests need, and every way to obtain it. */
export interface AssetSpec {
  /** File name, also the name inside a KUBEBUILDER_ASSETS directory. */
  name: string;
  version: string;
  /** Environment variable that points at an existing binary. */
  envVar: string;
  /** `false`: never taken from KUBEBUILDER_ASSETS (a second version of a binary named there). */
  kubebuilderAssets?: false;
  /** Official release download, for machines with internet. */
  download?: {
    url: string;
    /** path of the binary inside a .tar.gz, when the download is one */ member?: string;
  };
  /** Go module build, the offline path. */
  goBuild: { module: string; package: string; k8sStaging?: boolean };
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The cache directory for test assets, outside the repository. */
export function cacheDir(): string {
  const explicit = process.env.SHOOT_FLUX_CACHE_DIR;
  if (explicit) return explicit;
  const base = process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache');
  return path.join(base, 'gardener-extension-shoot-flux');
}

const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';

/** The assets the control plane and the real-Flux tests need. */
export const assets = {
  kubeApiserver: {
    name: 'kube-apiserver',
    version: testAssetVersions.kubeApiserver,
    envVar: 'TEST_ASSET_KUBE_APISERVER',
    download: {
      url: `https://dl.k8s.io/release/${testAssetVersions.kubeApiserver}/bin/linux/${arch}/kube-apiserver`,
    },
    goBuild: {
      module: 'k8s.io/kubernetes',
      package: 'k8s.io/kubernetes/cmd/kube-apiserver',
      k8sStaging: true,
    },
  },
  etcd: {
    name: 'etcd',
    version: testAssetVersions.etcd,
    envVar: 'TEST_ASSET_ETCD',
    download: {
      url: `https://github.com/etcd-io/etcd/releases/download/${testAssetVersions.etcd}/etcd-${testAssetVersions.etcd}-linux-${arch}.tar.gz`,
      member: `etcd-${testAssetVersions.etcd}-linux-${arch}/etcd`,
    },
    goBuild: { module: 'go.etcd.io/etcd/server/v3', package: 'go.etcd.io/etcd/server/v3' },
  },
  sourceController: {
    name: 'source-controller',
    version: testAssetVersions.sourceController,
    envVar: 'TEST_ASSET_SOURCE_CONTROLLER',
    goBuild: {
      module: 'github.com/fluxcd/source-controller',
      package: 'github.com/fluxcd/source-controller',
    },
  },
  legacySourceController: {
    name: 'source-controller',
    version: testAssetVersions.legacySourceController,
    envVar: 'TEST_ASSET_LEGACY_SOURCE_CONTROLLER',
    kubebuilderAssets: false,
    goBuild: {
      module: 'github.com/fluxcd/source-controller',
      package: 'github.com/fluxcd/source-controller',
    },
  },
  kustomizeController: {
    name: 'kustomize-controller',
    version: testAssetVersions.kustomizeController,
    envVar: 'TEST_ASSET_KUSTOMIZE_CONTROLLER',
    goBuild: {
      module: 'github.com/fluxcd/kustomize-controller',
      package: 'github.com/fluxcd/kustomize-controller',
    },
  },
  helm: {
    name: 'helm',
    version: testAssetVersions.helm,
    envVar: 'TEST_ASSET_HELM',
    download: {
      url: `https://get.helm.sh/helm-${testAssetVersions.helm}-linux-${arch}.tar.gz`,
      member: `linux-${arch}/helm`,
    },
    goBuild: { module: 'helm.sh/helm/v4', package: 'helm.sh/helm/v4/cmd/helm' },
  },
  kustomize: {
    name: 'kustomize',
    version: testAssetVersions.kustomize,
    envVar: 'TEST_ASSET_KUSTOMIZE',
    // No download: kustomize's release tags (kustomize/v5.3.0) are not plain versions, and the
    // Go build takes well under a minute.
    goBuild: { module: 'sigs.k8s.io/kustomize/kustomize/v5', package: 'sigs.k8s.io/kustomize/kustomize/v5' },
  },
  promtool: {
    name: 'promtool',
    version: testAssetVersions.promtool,
    envVar: 'TEST_ASSET_PROMTOOL',
    // No download: the release archives are named by the Prometheus version, not the module's.
    goBuild: {
      module: 'github.com/prometheus/prometheus',
      package: 'github.com/prometheus/prometheus/cmd/promtool',
    },
  },
} as const satisfies Record<string, AssetSpec>;

/** Where a resolved binary came from. */
export type AssetOrigin = 'env' | 'kubebuilder-assets' | 'cache' | 'download' | 'go-build';

export interface ResolvedAsset {
  path: string;
  origin: AssetOrigin;
}

export interface ResolveOptions {
  /** Only look, never download or build (tests use this so a missing asset fails fast). */
  lookOnly?: boolean;
  /** Progress lines for humans. */
  progress?: (line: string) => void;
}

/** Whether `file` exists and may be executed. */
export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The cache path of an asset, keyed by name and version. */
export function cachedAssetPath(spec: AssetSpec): string {
  return path.join(cacheDir(), 'bin', `${spec.name}-${spec.version}`);
}

/**
 * Finds a binary: the asset's environment variable, a KUBEBUILDER_ASSETS directory, the cache;
 * else downloads the official release, else builds it from Go modules into the cache.
 */
export async function resolveAsset(spec: AssetSpec, options: ResolveOptions = {}): Promise<ResolvedAsset> {
  const progress = options.progress ?? (() => undefined);
  const fromEnv = process.env[spec.envVar];
  if (fromEnv) {
    if (!(await isExecutable(fromEnv))) {
      throw new Error(`${spec.envVar}=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, origin: 'env' };
  }
  const kubebuilderAssets = process.env.KUBEBUILDER_ASSETS;
  if (kubebuilderAssets && spec.kubebuilderAssets !== false) {
    const candidate = path.join(kubebuilderAssets, spec.name);
    if (await isExecutable(candidate)) return { path: candidate, origin: 'kubebuilder-assets' };
  }
  const cached = cachedAssetPath(spec);
  if (await isExecutable(cached)) return { path: cached, origin: 'cache' };
  if (options.lookOnly) {
    throw new Error(
      `${spec.name} ${spec.version} not found: set ${spec.envVar}, or KUBEBUILDER_ASSETS, ` +
        `or run "npm run test-assets" to download or build it into ${cached}`,
    );
  }
  await mkdir(path.dirname(cached), { recursive: true });
  if (spec.download && process.env.SHOOT_FLUX_OFFLINE !== 'true') {
    progress(`${spec.name} ${spec.version}: downloading ${spec.download.url}`);
    try {
      await downloadAsset(spec.download, cached);
      return { path: cached, origin: 'download' };
    } catch (err) {
      progress(
        `${spec.name} ${spec.version}: download failed (${(err as Error).message}); building from Go modules`,
      );
    }
  }
  progress(`${spec.name} ${spec.version}: building from Go modules (cold: several minutes on 2 cores)`);
  await buildFromGoModules(spec, cached, progress);
  return { path: cached, origin: 'go-build' };
}

async function downloadAsset(download: NonNullable<AssetSpec['download']>, target: string): Promise<void> {
  const response = await fetch(download.url, { signal: AbortSignal.timeout(300_000) });
  if (!response.ok || !response.body) {
    throw new Error(`GET ${download.url}: HTTP ${response.status}`);
  }
  const staging = await mkdtemp(path.join(tmpdir(), 'shoot-flux-asset-'));
  try {
    const body = Readable.fromWeb(response.body);
    let file = path.join(staging, 'download');
    if (download.member) {
      await pipeline(body, extract({ cwd: staging, filter: (p) => p === download.member }));
      file = path.join(staging, download.member);
    } else {
      await pipeline(body, createWriteStream(file));
    }
    await chmod(file, 0o755);
    await rename(file, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function buildFromGoModules(
  spec: AssetSpec,
  target: string,
  progress: (line: string) => void,
): Promise<void> {
  const script = path.join(repoRoot, 'hack', 'build-go-binary.sh');
  if (!existsSync(script)) throw new Error(`build script ${script} is missing`);
  const args = [spec.goBuild.module, spec.version, spec.goBuild.package, target];
  if (spec.goBuild.k8sStaging) args.push('k8s');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(script, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') progress(`  ${line}`);
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => {
      reject(new Error(`cannot run ${script} (is Go installed?): ${err.message}`));
    });
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`building ${spec.name} ${spec.version} from Go modules failed (exit ${code})`));
    });
  });
}
