import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { repoRoot } from '../../harness/assets.js';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.js';
import {
  startFluxControllers,
  type FluxControllers,
  type FluxControllersOptions,
} from '../../harness/flux-controllers.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootAccessKubeconfig,
  buildShootObject,
  makeFluxManifestsBase,
} from '../../harness/gardener-objects.js';
import { startGitServer, type BasicAuth, type GitServer } from '../../harness/git-server.js';
import { startKubelet } from '../../harness/kubelet.js';
import { startOciRegistry, type OciRegistry } from '../../harness/oci-registry.js';
import { ManagedProcess, pollUntil } from '../../harness/processes.js';

/** The built controller's entry point; e2e tests and `npm start` run exactly what ships. */
export const builtCli = path.join(repoRoot, 'dist', 'cli', 'main.js');

/** Options of {@link startLandscape}. */
export interface LandscapeOptions {
  /** Basic-auth credentials the Git server demands. */
  gitAuth?: BasicAuth;
  /** Start an OCI registry too, demanding these credentials when given. */
  registry?: { auth?: BasicAuth };
  /** Write the seed and shoot kubeconfigs here (`seed.kubeconfig`, `shoot.kubeconfig`). */
  kubeconfigDir?: string;
  /** The controller's `--reconcile-timeout`; short values keep waits short. */
  reconcileTimeout?: string;
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

/** A seed and a shoot control plane, sources on loopback, real Flux and the built controller. */
export interface Landscape {
  readonly seed: ControlPlane;
  readonly shoot: ControlPlane;
  readonly git: GitServer;
  readonly registry: OciRegistry | undefined;
  readonly controller: ManagedProcess;
  /** Everything the controller printed (JSON lines), kept until stop(). */
  readonly controllerLogFile: string;
  readonly gardenClusterIdentity: string;
  /** The real Flux controllers, once {@link Landscape.ensureFluxControllers} started them. */
  flux(): FluxControllers | undefined;
  /**
   * Waits until the extension installed Flux into the shoot (its Deployments and CRDs exist and
   * are established), then starts real source- and kustomize-controller once; later calls
   * resolve with the same controllers. `binaries` picks other Flux controller versions.
   */
  ensureFluxControllers(
    timeoutMs?: number,
    binaries?: Pick<FluxControllersOptions, 'sourceController' | 'kustomizeController'>,
  ): Promise<FluxControllers>;
  /** Plays gardenlet for one shoot in the seed namespace `namespace`. */
  gardenlet(namespace: string): ShootGardenlet;
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

/**
 * Starts the landscape: seed (Gardener CRDs) and shoot (nothing: the extension installs Flux)
 * control planes, the kubelet stand-in on the shoot, the Git server, optionally the OCI
 * registry, and the built controller (`run`) against the seed. Whatever started is stopped
 * again when a later piece fails.
 */
export async function startLandscape(options: LandscapeOptions = {}): Promise<Landscape> {
  const progress = options.progress ?? (() => undefined);
  if (!options.launchController && !existsSync(builtCli)) {
    throw new Error(`${builtCli} is missing: run "npm run build" first`);
  }
  const gardenClusterIdentity = options.gardenClusterIdentity ?? 'garden-e2e';
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
    progress('starting seed and shoot control planes (etcd + kube-apiserver each)');
    const [seed, shoot] = await Promise.all([
      startControlPlane({
        name: 'seed',
        crds: ['gardener'],
        kubeconfigOut: kubeconfigOut('seed'),
        progress,
      }).then(started),
      startControlPlane({ name: 'shoot', kubeconfigOut: kubeconfigOut('shoot'), progress }).then(started),
    ]);
    progress(`control planes up: seed ${seed.server}, shoot ${shoot.server}`);
    const [git, registry, kubelet] = await Promise.all([
      startGitServer(options.gitAuth ? { auth: options.gitAuth } : {}).then(started),
      options.registry ? startOciRegistry(options.registry).then(started) : Promise.resolve(undefined),
      startKubelet(shoot.kubeConfig).then(started),
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
    const runArgs = [
      'run',
      `--kubeconfig=${seed.kubeconfigPath}`,
      '--leader-election=false',
      '--metrics-bind-address=0',
      '--health-bind-address=0',
      '--log-format=json',
      `--garden-cluster-identity=${gardenClusterIdentity}`,
      `--flux-manifests-base=${bundleBase}`,
      `--reconcile-timeout=${options.reconcileTimeout ?? '60s'}`,
    ];
    const launch = options.launchController
      ? await options.launchController(runArgs, seed)
      : { command: process.execPath, args: [builtCli, ...runArgs] };
    const controller = started(
      new ManagedProcess('gardener-extension-shoot-flux', launch.command, launch.args, {
        logFile: controllerLogFile,
      }),
    );
    progress(`controller running (pid ${controller.pid ?? '?'})`);

    let flux: FluxControllers | undefined;
    let fluxStarting: Promise<FluxControllers> | undefined;
    const ensureFluxControllers: Landscape['ensureFluxControllers'] = (
      timeoutMs = 180_000,
      binaries = {},
    ) => {
      fluxStarting ??= (async () => {
        await pollUntil(
          'Flux installed into the shoot by the extension',
          async () => {
            for (const namespace of await listNamespaces(shoot.kubeConfig)) {
              if (await isFluxInstalled(shoot.kubeConfig, namespace)) return true;
            }
            return false;
          },
          timeoutMs,
          () => (controller.hasExited ? `the controller exited:\n${controller.logs(40)}` : undefined),
        );
        progress('Flux installed into the shoot; starting real source-controller and kustomize-controller');
        flux = started(
          await startFluxControllers({ kubeconfigPath: shoot.kubeconfigPath, progress, ...binaries }),
        );
        return flux;
      })();
      return fluxStarting;
    };

    let stopped = false;
    return {
      seed,
      shoot,
      git,
      registry,
      controller,
      controllerLogFile,
      gardenClusterIdentity,
      flux: () => flux,
      ensureFluxControllers,
      gardenlet: (namespace) => new ShootGardenlet(seed.kubeConfig, shoot, namespace),
      logs: (lines = 60) =>
        [
          `--- controller (last lines) ---\n${controller.logs(lines)}`,
          flux?.logs(lines) ?? '--- Flux controllers: not started ---',
          registry ? `--- docker-registry (last lines) ---\n${registry.logs()}` : '',
          `--- git requests (last 10) ---\n${JSON.stringify(git.requests().slice(-10))}`,
          kubelet.errors().length > 0 ? `--- kubelet errors ---\n${kubelet.errors().join('\n')}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
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

async function listNamespaces(kubeConfig: KubeConfig): Promise<string[]> {
  const list = await kubeConfig.makeApiClient(CoreV1Api).listNamespace();
  return list.items.map((n) => n.metadata?.name ?? '');
}

/** A condition as Gardener and Flux write them. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The Extension fields the tests read. */
export interface ExtensionView {
  metadata: { creationTimestamp?: string; generation?: number };
  status?: {
    conditions?: Condition[];
    lastOperation?: { state?: string; description?: string; progress?: number };
    lastError?: { description?: string } | null;
    observedGeneration?: number;
    state?: unknown;
  };
}

/** What gardenlet knows of a shoot: its name, project namespace and referenced resources. */
export interface ShootSpec {
  name: string;
  projectNamespace: string;
  /** `spec.resources` of the Shoot. */
  resources?: { name: string; resourceRef: { apiVersion: string; kind: string; name: string } }[];
}

const extensionsGroup = { group: 'extensions.gardener.cloud', version: 'v1alpha1' } as const;

/** Plays gardenlet for one shoot: seed namespace, Cluster, access secret, `ref-*` secrets, Extension. */
export class ShootGardenlet {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    seed: KubeConfig,
    private readonly shoot: ControlPlane,
    readonly namespace: string,
  ) {
    this.core = seed.makeApiClient(CoreV1Api);
    this.custom = seed.makeApiClient(CustomObjectsApi);
  }

  /** Creates the seed namespace, the Cluster and the `gardener` access secret of the shoot. */
  async createShoot(spec: ShootSpec): Promise<void> {
    await this.core.createNamespace({
      body: { metadata: { name: this.namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
    });
    await this.custom.patchClusterCustomObject(
      {
        ...extensionsGroup,
        plural: 'clusters',
        name: this.namespace,
        fieldManager: 'gardenlet',
        force: true,
        body: buildClusterObject(
          this.namespace,
          buildShootObject(this.namespace, {
            name: spec.name,
            projectNamespace: spec.projectNamespace,
            resources: spec.resources,
          }),
        ),
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    await this.writeSecret('gardener', { kubeconfig: await buildShootAccessKubeconfig(this.shoot) });
  }

  /** Creates or replaces a secret in the seed namespace (`ref-<name>` for referenced resources). */
  async writeSecret(name: string, data: Record<string, string>, type = 'Opaque'): Promise<void> {
    const body = {
      metadata: { name, namespace: this.namespace },
      type,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    const exists = await this.core.readNamespacedSecret({ name, namespace: this.namespace }).then(
      () => true,
      () => false,
    );
    if (exists) await this.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    else await this.core.createNamespacedSecret({ namespace: this.namespace, body });
  }

  /** Creates the Extension with the reconcile annotation, as gardenlet does; resolves with the time. */
  async createExtension(providerConfig: unknown): Promise<number> {
    await this.custom.createNamespacedCustomObject({
      ...extensionsGroup,
      namespace: this.namespace,
      plural: 'extensions',
      body: buildExtensionObject({ providerConfig }),
    });
    return Date.now();
  }

  async extension(): Promise<ExtensionView> {
    return (await this.custom.getNamespacedCustomObject({
      ...extensionsGroup,
      namespace: this.namespace,
      plural: 'extensions',
      name: 'shoot-flux',
    })) as ExtensionView;
  }

  /** The Extension's condition of that type, undefined while absent (or the Extension is). */
  async condition(type: string): Promise<Condition | undefined> {
    const extension = await this.extension().catch(() => undefined);
    return extension?.status?.conditions?.find((c) => c.type === type);
  }

  async events(): Promise<{ reason?: string; type?: string; message?: string }[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
    return list.items.map((e) => ({ reason: e.reason, type: e.type, message: e.message }));
  }
}

/** The `kubernetes.io/dockerconfigjson` payload for one registry host. */
export function buildDockerConfigJson(host: string, auth: BasicAuth): string {
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  return JSON.stringify({
    auths: { [host]: { username: auth.username, password: auth.password, auth: basic } },
  });
}
