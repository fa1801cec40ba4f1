import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { repoRoot } from '../../test/harness/assets.js';
import { startControlPlane, type ControlPlane } from '../../test/harness/control-plane.js';
import {
  startFluxControllers,
  type FluxControllers,
  type FluxControllersOptions,
} from '../../test/harness/flux-controllers.js';
import { Gardenlet } from '../../test/harness/gardenlet.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../../test/harness/gardener-objects.js';
import { startGitServer, type BasicAuth, type GitServer } from '../../test/harness/git-server.js';
import { startKubelet, type Kubelet } from '../../test/harness/kubelet.js';
import { startOciRegistry, type OciRegistry } from '../../test/harness/oci-registry.js';
import { ManagedProcess, freePort, pollUntil } from '../../test/harness/processes.js';

/** The built controller's entry point; e2e tests and `npm start` run exactly what ships. */
export const builtCli = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Options of {@link startLandscape}. */
export interface LandscapeOptions {
  /** Basic-auth credentials the Git server demands. */
  gitAuth?: BasicAuth;
  /** Start an OCI registry too, demanding these credentials when given. */
  registry?: { auth?: BasicAuth };
  /**
   * Names of the shoot clusters, one control plane (and later one pair of Flux controllers)
   * each; default one, `shoot`. Kubeconfigs are written as `<name>.kubeconfig`.
   */
  shootClusters?: string[];
  /** Write the seed and shoot kubeconfigs here (`seed.kubeconfig`, `<shoot>.kubeconfig`). */
  kubeconfigDir?: string;
  /** The controller's `--reconcile-timeout`; short values keep waits short. */
  reconcileTimeout?: string;
  /** More `run` flags for the controller, e.g. `--health-check-watch`. */
  controllerArgs?: string[];
  /** Keep the controller's log here (`controller.log`); default a temporary directory. */
  logDir?: string;
  /** Identity of the (pretend) garden, written into shoot-info. */
  gardenClusterIdentity?: string;
  progress?: (line: string) => void;
  /**
   * Starts the controller another way than the built CLI on this Node (the image test runs the
   * image): gets the `run` arguments and the seed, returns the command line to spawn.
   */
  launchController?: (runArgs: string[], seed: ControlPlane) => Promise<ControllerCommand>;
}

/** A command line that runs the controller; the process must end with it (SIGTERM stops both). */
export interface ControllerCommand {
  command: string;
  args: string[];
}

/** One shoot cluster of the landscape: its control plane, and real Flux once the extension installed it. */
export interface ShootCluster {
  readonly name: string;
  readonly controlPlane: ControlPlane;
  /** The kubeconfig gardenlet writes into a shoot's `gardener` access secret (CA inlined). */
  readonly accessKubeconfig: string;
  /** The real Flux controllers, once {@link ShootCluster.ensureFluxControllers} started them. */
  flux(): FluxControllers | undefined;
  /**
   * Waits until the extension installed Flux into this shoot (its Deployments and CRDs exist and
   * are established), then starts real source- and kustomize-controller once; later calls
   * resolve with the same controllers.
   */
  ensureFluxControllers(timeoutMs?: number, binaries?: FluxBinaries): Promise<FluxControllers>;
}

/** Other Flux controller binaries than the default ones (options of startFluxControllers). */
export type FluxBinaries = Omit<Partial<FluxControllersOptions>, 'kubeconfigPath' | 'progress'>;

/** Where the controller serves its probes and metrics (loopback, ports chosen at start). */
export interface ControllerEndpoints {
  /** `http://127.0.0.1:<port>/metrics` */
  readonly metrics: string;
  /** `http://127.0.0.1:<port>/healthz` */
  readonly healthz: string;
  /** `http://127.0.0.1:<port>/readyz` */
  readonly readyz: string;
}

/** A seed and shoot control planes, sources on loopback, real Flux and the built controller. */
export interface Landscape {
  readonly seed: ControlPlane;
  /** The first shoot cluster's control plane (most tests need one shoot). */
  readonly shoot: ControlPlane;
  readonly shoots: readonly ShootCluster[];
  readonly git: GitServer;
  readonly registry: OciRegistry | undefined;
  readonly controller: ManagedProcess;
  readonly controllerEndpoints: ControllerEndpoints;
  /** Everything the controller printed (JSON lines), kept until stop(). */
  readonly controllerLogFile: string;
  readonly gardenClusterIdentity: string;
  /** The first shoot cluster's Flux controllers, once started. */
  flux(): FluxControllers | undefined;
  /** {@link ShootCluster.ensureFluxControllers} of the first shoot cluster. */
  ensureFluxControllers(timeoutMs?: number, binaries?: FluxBinaries): Promise<FluxControllers>;
  /** Plays gardenlet for one shoot in the seed namespace `namespace` (default: on the first shoot cluster). */
  gardenlet(namespace: string, shoot?: ShootCluster): Gardenlet;
  /** The last lines of every process, labelled, for failure messages. */
  logs(lines?: number): string;
  /** Stops everything started, newest first, and removes temporary files. Idempotent. */
  stop(): Promise<void>;
}

/** The Flux CRDs real source- and kustomize-controller watch; they start only once these are served. */
const fluxCrdGroups = ['source.toolkit.fluxcd.io', 'kustomize.toolkit.fluxcd.io'];

async function isFluxInstalled(shoot: KubeConfig, namespace: string): Promise<boolean> {
  const apps = shoot.makeApiClient(AppsV1Api);
  const deployments = await apps.listNamespacedDeployment({ namespace });
  const names = deployments.items.map((d) => d.metadata?.name);
  if (!names.includes('source-controller') || !names.includes('kustomize-controller')) return false;
  const crds = await shoot.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
  const flux = crds.items.filter((crd) => fluxCrdGroups.includes(crd.spec.group));
  return (
    flux.some((crd) => crd.spec.names.plural === 'kustomizations') &&
    flux.some((crd) => crd.spec.names.plural === 'gitrepositories') &&
    flux.every((crd) =>
      (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True'),
    )
  );
}

async function listNamespaces(kubeConfig: KubeConfig): Promise<string[]> {
  const list = await kubeConfig.makeApiClient(CoreV1Api).listNamespace();
  return list.items.map((n) => n.metadata?.name ?? '');
}

/**
 * The variables that make a Kubernetes client pick a cluster by itself. The landscape's
 * controller gets its seed by flag only, and none of these, so a production kubeconfig exported
 * in the developer's shell can never be what it talks to.
 */
const clusterSelectingVariables = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT'];

/** `env` without the variables that select a cluster. */
export function withoutClusterSelection(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !clusterSelectingVariables.includes(key)));
}

/** Starts the built controller (`run`) against the seed, with probes on loopback; resolves once it is ready. */
async function startController(
  seed: ControlPlane,
  options: {
    gardenClusterIdentity: string;
    bundleBase: string;
    logFile: string;
    reconcileTimeout: string;
    controllerArgs: string[];
    launchController: LandscapeOptions['launchController'];
  },
): Promise<{ controller: ManagedProcess; endpoints: ControllerEndpoints }> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const runArgs = [
    'run',
    `--kubeconfig=${seed.kubeconfigPath}`,
    '--leader-election=false',
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-bind-address=127.0.0.1:${healthPort}`,
    '--log-format=json',
    `--garden-cluster-identity=${options.gardenClusterIdentity}`,
    `--flux-manifests-base=${options.bundleBase}`,
    `--reconcile-timeout=${options.reconcileTimeout}`,
    ...options.controllerArgs,
  ];
  const launch = options.launchController
    ? await options.launchController(runArgs, seed)
    : { command: process.execPath, args: [builtCli, ...runArgs] };
  const controller = new ManagedProcess('gardener-extension-shoot-flux', launch.command, launch.args, {
    logFile: options.logFile,
    env: withoutClusterSelection(process.env),
  });
  const endpoints: ControllerEndpoints = {
    metrics: `http://127.0.0.1:${metricsPort}/metrics`,
    healthz: `http://127.0.0.1:${healthPort}/healthz`,
    readyz: `http://127.0.0.1:${healthPort}/readyz`,
  };
  try {
    await pollUntil(
      'controller ready (/readyz)',
      async () => (await fetch(endpoints.readyz, { signal: AbortSignal.timeout(2_000) })).ok,
      // Generous: a container start on a busy machine takes a while.
      180_000,
      () => (controller.hasExited ? `the controller exited:\n${controller.logs(40)}` : undefined),
    );
  } catch (err) {
    await controller.stop();
    throw err;
  }
  return { controller, endpoints };
}

/**
 * Starts the landscape: seed (Gardener CRDs) and shoot (nothing: the extension installs Flux)
 * control planes, a kubelet stand-in on each shoot, the Git server, optionally the OCI
 * registry, and the built controller (`run`) against the seed. Whatever started is stopped
 * again when a later piece fails.
 */
export async function startLandscape(options: LandscapeOptions = {}): Promise<Landscape> {
  const progress = options.progress ?? (() => undefined);
  if (!options.launchController && !existsSync(builtCli)) {
    throw new Error(`${builtCli} is missing: run "npm run build" first`);
  }
  const gardenClusterIdentity = options.gardenClusterIdentity ?? 'garden-e2e';
  const shootNames = options.shootClusters ?? ['shoot'];
  if (shootNames.length === 0) throw new Error('the landscape needs at least one shoot cluster');
  const stoppers: (() => Promise<void>)[] = [];
  const started = <T extends { stop: () => Promise<void> }>(piece: T): T => {
    stoppers.push(() => piece.stop());
    return piece;
  };
  const stopAll = async () => {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    stoppers.length = 0;
  };
  const kubeconfigOut = (name: string) =>
    options.kubeconfigDir ? path.join(options.kubeconfigDir, `${name}.kubeconfig`) : undefined;

  try {
    progress(
      `starting seed and ${shootNames.length === 1 ? 'shoot control planes' : `${shootNames.length} shoot control planes`} ` +
        '(etcd + kube-apiserver each)',
    );
    const [seed, ...shootPlanes] = await Promise.all([
      startControlPlane({
        name: 'seed',
        crds: ['gardener'],
        kubeconfigOut: kubeconfigOut('seed'),
        progress,
      }).then(started),
      ...shootNames.map((name) =>
        startControlPlane({ name, kubeconfigOut: kubeconfigOut(name), progress }).then(started),
      ),
    ]);
    const firstPlane = shootPlanes[0];
    if (!firstPlane) throw new Error('no shoot control plane started');
    progress(
      `control planes up: seed ${seed.server}, ${shootPlanes.map((p) => `${p.name} ${p.server}`).join(', ')}`,
    );
    const [git, registry, kubelets] = await Promise.all([
      startGitServer(options.gitAuth ? { auth: options.gitAuth } : {}).then(started),
      options.registry ? startOciRegistry(options.registry).then(started) : Promise.resolve(undefined),
      Promise.all(shootPlanes.map((plane) => startKubelet(plane.kubeConfig).then(started))),
    ]);
    progress(`Git server ${git.baseUrl}${registry ? `, OCI registry ${registry.baseUrl}` : ''}`);

    const bundleBase = await makeFluxManifestsBase();
    stoppers.push(() => rm(bundleBase, { recursive: true, force: true }));
    let logDir = options.logDir;
    if (!logDir) {
      const temporary = await mkdtemp(path.join(tmpdir(), 'shoot-flux-e2e-controller-'));
      stoppers.push(() => rm(temporary, { recursive: true, force: true }));
      logDir = temporary;
    }
    const controllerLogFile = path.join(logDir, 'controller.log');
    const { controller, endpoints } = await startController(seed, {
      gardenClusterIdentity,
      bundleBase,
      logFile: controllerLogFile,
      reconcileTimeout: options.reconcileTimeout ?? '60s',
      controllerArgs: options.controllerArgs ?? [],
      launchController: options.launchController,
    });
    started(controller);
    progress(
      `controller running (pid ${controller.pid ?? '?'}), ${endpoints.metrics}, ${endpoints.healthz}, ${endpoints.readyz}`,
    );

    const shoots = await Promise.all(
      shootPlanes.map(async (plane) =>
        buildShootCluster(plane, await buildShootAccessKubeconfig(plane), controller, progress, (flux) =>
          started(flux),
        ),
      ),
    );
    const first = shoots[0];
    if (!first) throw new Error('no shoot cluster');
    let stopped = false;
    return {
      seed,
      shoot: firstPlane,
      shoots,
      git,
      registry,
      controller,
      controllerEndpoints: endpoints,
      controllerLogFile,
      gardenClusterIdentity,
      flux: () => first.flux(),
      ensureFluxControllers: (timeoutMs, binaries) => first.ensureFluxControllers(timeoutMs, binaries),
      gardenlet: (namespace, shoot = first) =>
        new Gardenlet(seed.kubeConfig, { namespace, shootAccessKubeconfig: shoot.accessKubeconfig }),
      logs: (lines = 60) => describeLogs({ controller, shoots, registry, git, kubelets }, lines),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopAll();
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function buildShootCluster(
  controlPlane: ControlPlane,
  accessKubeconfig: string,
  controller: ManagedProcess,
  progress: (line: string) => void,
  register: (flux: FluxControllers) => FluxControllers,
): ShootCluster {
  let flux: FluxControllers | undefined;
  let fluxStarting: Promise<FluxControllers> | undefined;
  return {
    name: controlPlane.name,
    controlPlane,
    accessKubeconfig,
    flux: () => flux,
    ensureFluxControllers: (timeoutMs = 180_000, binaries = {}) => {
      fluxStarting ??= (async () => {
        await pollUntil(
          `Flux installed into ${controlPlane.name} by the extension`,
          async () => {
            for (const namespace of await listNamespaces(controlPlane.kubeConfig)) {
              if (await isFluxInstalled(controlPlane.kubeConfig, namespace)) return true;
            }
            return false;
          },
          timeoutMs,
          () => (controller.hasExited ? `the controller exited:\n${controller.logs(40)}` : undefined),
        );
        progress(
          `Flux installed into ${controlPlane.name}; starting real source-controller and kustomize-controller`,
        );
        flux = register(
          await startFluxControllers({
            ...binaries,
            kubeconfigPath: controlPlane.kubeconfigPath,
            progress: (line) => {
              progress(`${controlPlane.name}: ${line}`);
            },
          }),
        );
        return flux;
      })();
      return fluxStarting;
    },
  };
}

function describeLogs(
  pieces: {
    controller: ManagedProcess;
    shoots: readonly ShootCluster[];
    registry: OciRegistry | undefined;
    git: GitServer;
    kubelets: Kubelet[];
  },
  lines: number,
): string {
  const { controller, shoots, registry, git, kubelets } = pieces;
  const kubeletErrors = kubelets.flatMap((k) => k.errors());
  return [
    `--- controller (last lines) ---\n${controller.logs(lines)}`,
    ...shoots.map(
      (shoot) => shoot.flux()?.logs(lines) ?? `--- Flux controllers of ${shoot.name}: not started ---`,
    ),
    registry ? `--- docker-registry (last lines) ---\n${registry.logs()}` : '',
    `--- git requests (last 10) ---\n${JSON.stringify(git.requests().slice(-10))}`,
    kubeletErrors.length > 0 ? `--- kubelet errors ---\n${kubeletErrors.join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
