import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assets, resolveAsset, type AssetSpec } from './assets.js';
import { ManagedProcess, freePort, pollUntil } from './processes.js';

/** Real Flux source-controller and (unless left out) kustomize-controller as host processes. */
export interface FluxControllers {
  /** `127.0.0.1:<port>` of source-controller's artifact server. */
  readonly storageAddress: string;
  /** PIDs of the controllers. */
  readonly pids: number[];
  /** The last lines both controllers printed, labelled, for failure messages. */
  logs(lines?: number): string;
  /** Stops both controllers (SIGTERM, then SIGKILL) and removes the artifact storage. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startFluxControllers}. */
export interface FluxControllersOptions {
  /** Kubeconfig of the cluster Flux reconciles in (it needs the Flux CRDs installed). */
  kubeconfigPath: string;
  /**
   * Reconcile only Flux objects with these labels (`--watch-label-selector`), so controllers on a
   * control plane shared with other tests leave the other tests' objects alone.
   */
  watchLabelSelector?: string;
  /** Controller log level; `debug` shows every fetch and apply. */
  logLevel?: 'info' | 'debug';
  /** The source-controller binary; default the current Flux release's. */
  sourceController?: AssetSpec;
  /**
   * The kustomize-controller binary; default the current Flux release's. `false` starts none:
   * for an older Flux whose kustomize-controller cannot be had, the test plays it.
   */
  kustomizeController?: AssetSpec | false;
  /** Start-up budget until every controller's workers run. */
  startTimeoutMs?: number;
  progress?: (line: string) => void;
}

/** The controllers each binary must start before Flux objects of that kind get reconciled. */
const requiredWorkers = {
  'source-controller': ['gitrepository', 'ocirepository'],
  'kustomize-controller': ['kustomization'],
} as const;

/**
 * Collects the controller names of controller-runtime's "Starting workers" log lines (JSON
 * encoding), which mark the moment a controller's caches are synced and it reconciles.
 */
function watchStartedWorkers(controller: ManagedProcess): Set<string> {
  const started = new Set<string>();
  let pending = '';
  const scan = (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('Starting workers')) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; controller?: string };
        if (entry.msg === 'Starting workers' && entry.controller) started.add(entry.controller);
      } catch {
        // Not a JSON log line (a panic trace, for example): it shows in logs() anyway.
      }
    }
  };
  controller.child.stdout?.on('data', scan);
  controller.child.stderr?.on('data', scan);
  return started;
}

/**
 * Starts source-controller and kustomize-controller against a cluster: `KUBECONFIG` in the
 * environment (neither binary has a `--kubeconfig` flag), artifact server on a random 127.0.0.1
 * port, no metrics or health listeners, all namespaces watched, no leader election; waits until
 * the artifact server answers and the Git, OCI and Kustomization controllers run.
 */
export async function startFluxControllers(options: FluxControllersOptions): Promise<FluxControllers> {
  try {
    return await startOnce(options);
  } catch (err) {
    // Free ports are only suggested; another process may take the storage port before it binds.
    if (/address already in use/i.test((err as Error).message)) return startOnce(options);
    throw err;
  }
}

async function startOnce(options: FluxControllersOptions): Promise<FluxControllers> {
  const progress = options.progress ?? (() => undefined);
  const timeout = options.startTimeoutMs ?? 60_000;
  const sourceSpec = options.sourceController ?? assets.sourceController;
  const kustomizeSpec = options.kustomizeController ?? assets.kustomizeController;
  const [sourceBin, kustomizeBin] = await Promise.all([
    resolveAsset(sourceSpec, { lookOnly: true }),
    kustomizeSpec ? resolveAsset(kustomizeSpec, { lookOnly: true }) : undefined,
  ]);
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-flux-'));
  // source-controller refuses a storage path that does not exist yet ("invalid dir path").
  const storagePath = path.join(dir, 'artifacts');
  await mkdir(storagePath);
  const storagePort = await freePort();
  const storageAddress = `127.0.0.1:${storagePort}`;
  const env = { ...process.env, KUBECONFIG: options.kubeconfigPath };
  const common = [
    '--metrics-addr=0',
    '--health-addr=0',
    '--watch-all-namespaces=true',
    '--log-encoding=json',
    `--log-level=${options.logLevel ?? 'info'}`,
    ...(options.watchLabelSelector ? [`--watch-label-selector=${options.watchLabelSelector}`] : []),
  ];

  const processes: ManagedProcess[] = [];
  const logs = (lines = 60) =>
    processes.map((p) => `--- ${p.name} (last lines) ---\n${p.logs(lines)}`).join('\n');
  const stopAll = async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    progress(`starting source-controller ${sourceSpec.version} (artifacts on ${storageAddress})`);
    const source = new ManagedProcess(
      'source-controller',
      sourceBin.path,
      [
        ...common,
        `--storage-path=${storagePath}`,
        `--storage-addr=${storageAddress}`,
        // The host in every artifact URL; kustomize-controller downloads from there.
        `--storage-adv-addr=${storageAddress}`,
      ],
      { logFile: path.join(dir, 'source-controller.log'), env },
    );
    processes.push(source);
    const started = new Map<ManagedProcess, Set<string>>([[source, watchStartedWorkers(source)]]);
    if (kustomizeSpec && kustomizeBin) {
      progress(`starting kustomize-controller ${kustomizeSpec.version}`);
      const kustomize = new ManagedProcess(
        'kustomize-controller',
        kustomizeBin.path,
        [...common, '--no-remote-bases=true'],
        {
          logFile: path.join(dir, 'kustomize-controller.log'),
          // Rewrites the artifact host, as for a source-controller outside the cluster.
          env: { ...env, SOURCE_CONTROLLER_LOCALHOST: storageAddress },
        },
      );
      processes.push(kustomize);
      started.set(kustomize, watchStartedWorkers(kustomize));
    }

    const died = () => processes.find((p) => p.hasExited)?.name;
    await pollUntil(
      'Flux controllers ready',
      async () => {
        for (const [controller, workers] of started) {
          const required = requiredWorkers[controller.name as keyof typeof requiredWorkers];
          if (!required.every((name) => workers.has(name))) return false;
        }
        // Any HTTP answer (404 for "/") means the artifact server listens.
        await fetch(`http://${storageAddress}/`, { signal: AbortSignal.timeout(2_000) });
        return true;
      },
      timeout,
      () => {
        const name = died();
        return name ? `${name} exited` : undefined;
      },
    );
    progress('Flux controllers ready');
  } catch (err) {
    const message = `${(err as Error).message}\n${logs()}`;
    await stopAll();
    throw new Error(`Flux controllers failed to start: ${message}`, { cause: err });
  }

  let stopped = false;
  return {
    storageAddress,
    pids: processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
    logs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopAll();
    },
  };
}
