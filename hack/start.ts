// `npm start`: with a cluster configured (--kubeconfig, in-cluster, or $KUBECONFIG) runs the built
// controller against it (`run` with the given arguments); otherwise starts the local landscape:
// seed and shoot control planes, a Git server serving example/landscape/fleet, real Flux
// controllers, gardenlet's objects for example/landscape/shoot.yaml and the controller; prints
// progress until the shoot is bootstrapped, then how to reach everything, and runs until Ctrl-C.
// `--exit-when-bootstrapped` (or CI=true) exits 0 right after the bootstrapped line.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { assets, cachedAssetPath, repoRoot, resolveAsset, type AssetSpec } from '../test/harness/assets.js';
import {
  builtCli,
  startLandscape,
  type ExtensionView,
  type Landscape,
  type ShootGardenlet,
  type ShootSpec,
} from '../test/e2e/support/landscape.js';

const args = process.argv.slice(2);
const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
const say = (line: string) => process.stdout.write(`[landscape ${elapsed().padStart(6)}] ${line}\n`);

/** Whether the user pointed us at a cluster, the way `run` itself finds one. */
function isClusterConfigured(): boolean {
  return (
    args.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig=')) ||
    Boolean(process.env.KUBERNETES_SERVICE_HOST) ||
    Boolean(process.env.KUBECONFIG)
  );
}

function requireBuiltCli(): void {
  if (!existsSync(builtCli)) {
    process.stderr.write(`${builtCli} is missing: run "npm run build" (part of "npm run setup") first\n`);
    process.exit(1);
  }
}

/** Runs the built controller against the configured cluster, passing signals and the exit code on. */
function runAgainstCluster(): void {
  requireBuiltCli();
  const child = spawn(process.execPath, [builtCli, 'run', ...args], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** What the landscape takes from the Shoot-like file. */
interface LandscapeShoot {
  spec: ShootSpec;
  providerConfig: Record<string, unknown>;
  /** Repository names of `landscape-git.invalid` URLs: the directory of example/landscape served. */
  repositories: string[];
  /** The `spec.resources` name the source's credentials come from, if any. */
  secretResourceName: string | undefined;
}

const gitPlaceholder = 'http://landscape-git.invalid';

async function readLandscapeShoot(file: string, gitBaseUrl: string): Promise<LandscapeShoot> {
  const text = await readFile(file, 'utf8');
  const repositories = [...text.matchAll(/http:\/\/landscape-git\.invalid\/([a-z0-9._-]+)\.git/gi)].map(
    (m) => m[1] ?? '',
  );
  const shoot = yaml.load(text.replaceAll(gitPlaceholder, gitBaseUrl)) as {
    metadata?: { name?: string; namespace?: string };
    spec?: {
      resources?: ShootSpec['resources'];
      extensions?: { type?: string; providerConfig?: Record<string, unknown> }[];
    };
  };
  const extension = shoot.spec?.extensions?.find((e) => e.type === 'shoot-flux');
  if (!shoot.metadata?.name || !extension?.providerConfig) {
    throw new Error(
      `${file}: needs metadata.name and a shoot-flux entry with providerConfig in spec.extensions`,
    );
  }
  const source = extension.providerConfig.source as { secretResourceName?: string } | undefined;
  return {
    spec: {
      name: shoot.metadata.name,
      projectNamespace: shoot.metadata.namespace ?? 'garden-local',
      resources: shoot.spec?.resources ?? [],
    },
    providerConfig: extension.providerConfig,
    repositories: [...new Set(repositories)],
    secretResourceName: source?.secretResourceName,
  };
}

/** Every file under a directory, relative path → content. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return files;
}

/** Resolves (downloads or builds) every binary the landscape needs, saying how long a first run takes. */
async function prepareAssets(): Promise<void> {
  const needed: AssetSpec[] = [
    assets.etcd,
    assets.kubeApiserver,
    assets.sourceController,
    assets.kustomizeController,
  ];
  const missing: AssetSpec[] = [];
  const found: string[] = [];
  for (const spec of needed) {
    await resolveAsset(spec, { lookOnly: true }).then(
      (resolved) => found.push(`${spec.name} (${resolved.origin})`),
      () => missing.push(spec),
    );
  }
  if (missing.length === 0) {
    say(`assets ready: ${found.join(', ')}`);
    return;
  }
  say(
    `preparing assets (first run only): ${missing.map((s) => `${s.name} ${s.version}`).join(', ')} → ` +
      `${path.dirname(cachedAssetPath(missing[0] ?? assets.etcd))}; downloads take seconds, a cold Go ` +
      'build 1.5-3.5 minutes per binary on 2 cores (all four about 8 minutes); later runs start in seconds',
  );
  for (const spec of missing) {
    const t0 = Date.now();
    const resolved = await resolveAsset(spec, { progress: (line) => say(`  ${line}`) });
    say(`  ${spec.name} ready (${resolved.origin}, ${((Date.now() - t0) / 1000).toFixed(0)}s)`);
  }
}

/** Reads the bootstrapped source in the shoot: whether real source-controller made it Ready. */
function sourceReader(
  landscape: Landscape,
  providerConfig: Record<string, unknown>,
): () => Promise<{ kind: string; ready: boolean; revision: string }> {
  const config = providerConfig as {
    flux?: { namespace?: string };
    source?: { template?: { kind?: string; metadata?: { name?: string; namespace?: string } } };
  };
  const template = config.source?.template;
  const kind = template?.kind ?? 'GitRepository';
  const custom = landscape.shoot.kubeConfig.makeApiClient(CustomObjectsApi);
  return async () => {
    const object = (await custom
      .getNamespacedCustomObject({
        group: 'source.toolkit.fluxcd.io',
        version: 'v1',
        plural: kind.toLowerCase().replace(/y$/, 'ie') + 's',
        namespace: template?.metadata?.namespace ?? config.flux?.namespace ?? 'flux-system',
        name: template?.metadata?.name ?? 'flux-system',
      })
      .catch(() => undefined)) as
      | { status?: { conditions?: { type: string; status: string }[]; artifact?: { revision?: string } } }
      | undefined;
    const ready = (object?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    return { kind, ready, revision: object?.status?.artifact?.revision ?? '' };
  };
}

function describeStatus(extension: ExtensionView): string {
  const op = extension.status?.lastOperation;
  const conditions = (extension.status?.conditions ?? []).map(
    (c) => `${c.type}=${c.status} (${c.reason ?? ''})`,
  );
  return [
    `lastOperation: ${op?.state ?? '-'} ${op?.progress ?? ''}% ${op?.description ?? ''}`.trim(),
    ...conditions,
  ]
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Commits the served repositories and writes gardenlet's objects for the shoot; resolves when the Extension exists. */
async function writeShoot(
  landscape: Landscape,
  shoot: LandscapeShoot,
  gitAuth: { username: string; password: string },
): Promise<{ gardenlet: ShootGardenlet; seedNamespace: string; createdAt: number }> {
  for (const repository of shoot.repositories) {
    const dir = path.join(repoRoot, 'example', 'landscape', repository);
    const commit = await landscape.git.createRepository(repository, await readTree(dir));
    say(
      `Git server serves example/landscape/${repository} as ${landscape.git.url(repository)} (${commit.slice(0, 12)})`,
    );
  }
  const seedNamespace = `shoot--${shoot.spec.projectNamespace.replace(/^garden-/, '')}--${shoot.spec.name}`;
  const gardenlet = landscape.gardenlet(seedNamespace);
  await gardenlet.createShoot(shoot.spec);
  const credentials = shoot.spec.resources?.find((r) => r.name === shoot.secretResourceName);
  // The Git server's basic-auth credentials, as the project's secret behind spec.resources.
  if (credentials) await gardenlet.writeSecret(`ref-${credentials.resourceRef.name}`, gitAuth);
  const createdAt = await gardenlet.createExtension(shoot.providerConfig);
  say(`gardenlet objects written: namespace ${seedNamespace}, Cluster, secrets, Extension shoot-flux`);
  return { gardenlet, seedNamespace, createdAt };
}

/** Shows each new Extension description and the source turning Ready until FluxBootstrapped=True. */
async function waitForBootstrap(
  landscape: Landscape,
  gardenlet: ShootGardenlet,
  readSource: ReturnType<typeof sourceReader>,
): Promise<void> {
  let lastDescription = '';
  let sourceReported = false;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const extension = await gardenlet.extension();
    const description = extension.status?.lastOperation?.description ?? '';
    if (description && description !== lastDescription) {
      say(`Extension: ${extension.status?.lastOperation?.state ?? ''}: ${description}`);
      lastDescription = description;
    }
    if (!sourceReported) {
      const source = await readSource();
      if (source.ready) say(`source ready: ${source.kind} ${source.revision}`);
      sourceReported = source.ready;
    }
    const bootstrapped = extension.status?.conditions?.find((c) => c.type === 'FluxBootstrapped');
    if (bootstrapped?.status === 'True') return;
    if (landscape.controller.hasExited) throw new Error('the controller exited');
    if (Date.now() > deadline) throw new Error('not bootstrapped within 10 minutes');
    // A script, not a test: a short poll keeps the progress output simple.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What runs and how to reach it. */
function printRunning(
  landscape: Landscape,
  seedNamespace: string,
  extension: ExtensionView,
  outDir: string,
): void {
  const seedKubeconfig = path.relative(process.cwd(), landscape.seed.kubeconfigPath);
  const shootKubeconfig = path.relative(process.cwd(), landscape.shoot.kubeconfigPath);
  const controllerLog = path.relative(process.cwd(), path.join(outDir, 'controller.log'));
  process.stdout.write(
    [
      '',
      'Running:',
      `  seed API server    ${landscape.seed.server}   kubeconfig ${seedKubeconfig}`,
      `  shoot API server   ${landscape.shoot.server}   kubeconfig ${shootKubeconfig}`,
      `  Git server         ${landscape.git.baseUrl} (basic auth, credentials in the seed secret)`,
      `  Flux               source-controller + kustomize-controller (artifacts on ${landscape.flux()?.storageAddress ?? '?'})`,
      `  controller         pid ${landscape.controller.pid ?? '?'}, log ${controllerLog}`,
      '',
      'Extension status:',
      describeStatus(extension),
      '',
      'Look around (any kubectl):',
      `  kubectl --kubeconfig ${seedKubeconfig} -n ${seedNamespace} get extension shoot-flux -o yaml`,
      `  kubectl --kubeconfig ${shootKubeconfig} -n flux-system get gitrepositories,ocirepositories,kustomizations`,
      `  kubectl --kubeconfig ${shootKubeconfig} -n default get configmap hello-from-flux -o yaml`,
      '',
      'Edit example/landscape/ and run npm start again to try another config. Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

async function startLocalLandscape(): Promise<void> {
  requireBuiltCli();
  const exitWhenBootstrapped = args.includes('--exit-when-bootstrapped') || process.env.CI === 'true';
  const shootFile = path.join(repoRoot, 'example', 'landscape', 'shoot.yaml');
  const outDir = path.join(repoRoot, '.testenv', 'landscape');
  await mkdir(outDir, { recursive: true });
  say(
    'no cluster configured (no --kubeconfig, in-cluster config or $KUBECONFIG): starting the local landscape',
  );
  await prepareAssets();

  const gitAuth = { username: 'fleet', password: randomBytes(12).toString('hex') };
  let landscape: Landscape | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the landscape');
    await landscape?.stop();
    say('stopped; nothing left running');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void shutdown(0));
  }

  try {
    landscape = await startLandscape({
      gitAuth,
      kubeconfigDir: outDir,
      logDir: outDir,
      gardenClusterIdentity: 'landscape',
      progress: (line) => say(line),
    });
    const shoot = await readLandscapeShoot(shootFile, landscape.git.baseUrl);
    const { gardenlet, seedNamespace, createdAt } = await writeShoot(landscape, shoot, gitAuth);
    await landscape.ensureFluxControllers();
    await waitForBootstrap(landscape, gardenlet, sourceReader(landscape, shoot.providerConfig));
    const seconds = Math.round((Date.now() - createdAt) / 1000);
    process.stdout.write(`Shoot ${shoot.spec.name} bootstrapped in ${seconds}s\n`);
    if (exitWhenBootstrapped) {
      await shutdown(0);
      return;
    }

    printRunning(landscape, seedNamespace, await gardenlet.extension(), outDir);
  } catch (err) {
    process.stderr.write(`landscape failed: ${(err as Error).message}\n`);
    if (landscape) process.stderr.write(`${landscape.logs(60)}\n`);
    await shutdown(1);
  }
}

if (isClusterConfigured()) runAgainstCluster();
else await startLocalLandscape();
