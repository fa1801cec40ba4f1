// Standing hostile cases at the controller level, against real API servers: shoot API servers
// that hang or refuse, a fleet of silent shoots next to a healthy one, SIGTERM while a bootstrap
// waits, SIGKILL mid-bootstrap and leader failover. The file runs its own seed and shoot control
// planes: the built CLI serves every `shoot-flux` Extension of the seed it runs against, and its
// controllers act on the whole shoot (secret pruning), so sharing the run's clusters would make
// this file and the others act on each other's objects. The silent servers are loopback
// listeners that never answer.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import { repoRoot } from '../../harness/assets.js';
import { Gardenlet } from '../../harness/gardenlet.js';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.js';
import { buildShootAccessKubeconfig, makeFluxManifestsBase } from '../../harness/gardener-objects.js';
import { fluxReadyConditions } from '../../harness/flux-player.js';
import { freePort, ManagedProcess } from '../../harness/processes.js';
import { startSilentServer, type SilentServer } from '../../harness/silent-server.js';
import { startTestManager } from '../../harness/test-manager.js';
import { TestShoot, type TestClusters } from './shoot-flux-support.js';

const builtCli = path.join(repoRoot, 'dist', 'cli', 'main.js');
/** The token of every silent shoot's access secret: it must never show up anywhere. */
const silentToken = `silent-${randomBytes(12).toString('hex')}`;

/** A GitRepository and a Kustomization, nothing to sync: the smallest full bootstrap. */
function gitConfig(fluxNamespace: string) {
  return {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    flux: { namespace: fluxNamespace },
    source: {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        spec: { url: 'https://git.example.com/r.git', ref: { branch: 'main' } },
      },
    },
    kustomization: { template: { spec: { path: './clusters/shoot' } } },
  };
}

const uniqueType = () => `shoot-flux-hostile-${randomBytes(3).toString('hex')}`;

interface LeaseView {
  spec?: { holderIdentity?: string | null; renewTime?: string | null };
}

describe('hostile faults: silent and refusing shoots, signals, failover', () => {
  let seed: ControlPlane;
  let shoot: ControlPlane;
  let clusters: TestClusters;
  let bundleBase: string;
  let logDir: string;
  const cleanups: (() => Promise<void>)[] = [];
  const later = <T>(value: T, stop: (value: T) => Promise<void>): T => {
    cleanups.push(() => stop(value));
    return value;
  };

  beforeAll(async () => {
    if (!existsSync(builtCli)) throw new Error(`${builtCli} is missing: run "npm run build" first`);
    const [seedPlane, shootPlane] = await Promise.all([
      startControlPlane({ name: 'seed-hostile', crds: ['gardener'] }),
      startControlPlane({ name: 'shoot-hostile' }),
    ]);
    seed = seedPlane;
    shoot = shootPlane;
    clusters = {
      seed: seed.kubeConfig,
      shoot: shoot.kubeConfig,
      shootAccessKubeconfig: await buildShootAccessKubeconfig(shoot),
    };
    bundleBase = await makeFluxManifestsBase();
    logDir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-hostile-'));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    await Promise.all([seed.stop(), shoot.stop()]);
    await rm(bundleBase, { recursive: true, force: true });
    await rm(logDir, { recursive: true, force: true });
  });

  /** A manager in this process with short shoot timeouts, serving only Extensions of `type`. */
  async function startManager(type: string, maxConcurrentReconciles = 2): Promise<Manager> {
    const manager = await startTestManager({
      kubeConfig: seed.kubeConfig,
      shootFlux: {
        fluxManifestsBases: [bundleBase],
        // Longer than the central poll timeout: a shoot that held a worker for a whole reconcile
        // would make every test here fail, not just slow down.
        reconcileTimeoutMs: 120_000,
        shootTimeouts: { connectMs: 1_000, requestMs: 1_500 },
      },
      manager: { extensionType: type, maxConcurrentReconciles },
    });
    return later(manager, (m) => m.stop());
  }

  async function startSilent(mode: 'tls' | 'tcp'): Promise<SilentServer> {
    return later(await startSilentServer(mode), (s) => s.stop());
  }

  /** A shoot of this file's clusters, removed after the test. */
  function testShoot(type: string): TestShoot {
    return later(new TestShoot(type, clusters), (s) => s.remove());
  }

  /** A seed namespace for the controllers' leases, removed after the test. */
  async function createLeaseNamespace(): Promise<string> {
    const gardenlet = later(
      new Gardenlet(seed.kubeConfig, { namespace: `hostile-lease--${randomBytes(4).toString('hex')}` }),
      (g) => g.remove(),
    );
    await gardenlet.createNamespace();
    return gardenlet.namespace;
  }

  /** A shoot with an Extension of `type` whose access secret points at `server` (CA from `caFile`). */
  async function shootAt(type: string, server: string, caFile: string): Promise<TestShoot> {
    const gardenlet = testShoot(type);
    await gardenlet.createShoot();
    await gardenlet.writeSecret('gardener', {
      kubeconfig: await buildShootAccessKubeconfig({ server, token: silentToken, caFile }),
    });
    return gardenlet;
  }

  async function lastError(gardenlet: TestShoot): Promise<string | undefined> {
    return (await gardenlet.extension()).status?.lastError?.description;
  }

  /** Everything of a shoot's Extension a user can read: status and events. */
  async function visibleText(gardenlet: TestShoot): Promise<string> {
    return JSON.stringify([(await gardenlet.extension()).status, await gardenlet.events()]);
  }

  /** The built CLI's `run` against this file's seed, with leader election in `leaseNamespace`. */
  function startCli(name: string, leaseNamespace: string): ManagedProcess {
    const process_ = new ManagedProcess(
      name,
      process.execPath,
      [
        builtCli,
        'run',
        `--kubeconfig=${seed.kubeconfigPath}`,
        '--leader-election=true',
        `--leader-election-namespace=${leaseNamespace}`,
        `--heartbeat-namespace=${leaseNamespace}`,
        '--metrics-bind-address=0',
        '--health-bind-address=0',
        '--log-format=json',
        `--flux-manifests-base=${bundleBase}`,
        '--reconcile-timeout=5m',
        // Far beyond the central poll timeout: only reconciles that end at once let the process
        // exit in time.
        '--graceful-shutdown-timeout=10m',
      ],
      {
        logFile: path.join(logDir, `${name}-${randomBytes(3).toString('hex')}.log`),
        env: { PATH: process.env.PATH },
      },
    );
    return later(process_, (p) => p.stop());
  }

  const leaseName = 'shoot-flux-leader-election';
  async function readLease(namespace: string): Promise<LeaseView | undefined> {
    return seed.kubeConfig
      .makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({
        group: 'coordination.k8s.io',
        version: 'v1',
        namespace,
        plural: 'leases',
        name: leaseName,
      })
      .then(
        (lease) => lease as LeaseView,
        () => undefined,
      );
  }
  const holderOf = async (namespace: string) => (await readLease(namespace))?.spec?.holderIdentity ?? '';

  async function fluxInstalledEvents(gardenlet: TestShoot): Promise<number> {
    const events = await seed.kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: gardenlet.namespace });
    return events.items
      .filter((e) => e.reason === 'FluxInstalled')
      .reduce((sum, e) => sum + (e.count ?? 1), 0);
  }

  /** Plays Flux: the source and the Kustomization become Ready once they exist. */
  async function playFluxReady(gardenlet: TestShoot): Promise<void> {
    const ns = gardenlet.fluxNamespace;
    await expect
      .poll(() =>
        gardenlet.flux.readObject('kustomize.toolkit.fluxcd.io', 'kustomizations', ns, 'flux-system'),
      )
      .toBeDefined();
    await gardenlet.flux.setStatus('gitrepositories', 'flux-system', ns, fluxReadyConditions);
    await gardenlet.flux.setStatus('kustomizations', 'flux-system', ns, fluxReadyConditions);
  }

  it('a shoot that accepts TLS and never answers fails within the request timeout, naming step, server and request', async () => {
    const silent = await startSilent('tls');
    const type = uniqueType();
    const gardenlet = await shootAt(type, silent.server, silent.caFile);
    await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
    const manager = await startManager(type);

    await expect.poll(() => lastError(gardenlet)).toMatch(/timed out/);
    const description = (await lastError(gardenlet)) ?? '';
    expect(description).toMatch(
      new RegExp(
        `^Error reconciling Extension: installing Flux: .*request to shoot API server ` +
          `${silent.server.replaceAll('.', '\\.')} timed out after 1\\.5s \\(GET /api/v1\\)$`,
      ),
    );
    expect(await visibleText(gardenlet)).not.toContain(silentToken);
    expect(silent.accepted()).toBeGreaterThan(0);

    // Nothing stays connected to the silent server once the controller stopped.
    await manager.stop();
    await expect.poll(() => silent.open()).toBe(0);
  });

  it('a shoot that never completes the TLS handshake fails within the connect timeout', async () => {
    const silent = await startSilent('tcp');
    const type = uniqueType();
    const gardenlet = await shootAt(type, silent.server, silent.caFile);
    await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
    await startManager(type);

    await expect
      .poll(() => lastError(gardenlet))
      .toMatch(
        new RegExp(
          `^Error reconciling Extension: installing Flux: .*connecting to shoot API server ` +
            `${silent.server.replaceAll('.', '\\.')} timed out after 1s \\(GET /api/v1\\)$`,
        ),
      );
    expect(await visibleText(gardenlet)).not.toContain(silentToken);
  });

  it('a shoot whose API server refuses connections fails at once with the step, and is retried', async () => {
    // Nothing listens on the port; any CA will do, no handshake ever starts.
    const { caFile } = await startSilent('tls');
    const type = uniqueType();
    const gardenlet = await shootAt(type, `https://127.0.0.1:${await freePort()}`, caFile);
    await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
    const manager = await startManager(type);

    await expect
      .poll(() => lastError(gardenlet))
      .toMatch(/^Error reconciling Extension: installing Flux: .*ECONNREFUSED/);
    // Retried with backoff: the requests metric keeps counting failed discovery calls.
    const failures = async () =>
      (await manager.metrics.kubeRequests.get()).values
        .filter((v) => v.labels.verb === 'discover' && v.labels.code === 'error')
        .reduce((sum, v) => sum + v.value, 0);
    const first = await failures();
    await expect.poll(failures).toBeGreaterThan(first);
    expect(await visibleText(gardenlet)).not.toContain(silentToken);
  });

  it('six silent shoots do not keep a healthy new shoot from being bootstrapped', async () => {
    const type = uniqueType();
    const silent: TestShoot[] = [];
    for (let i = 0; i < 6; i++) {
      const server = await startSilent('tls');
      const gardenlet = await shootAt(type, server.server, server.caFile);
      await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
      silent.push(gardenlet);
    }
    const healthy = testShoot(type);
    await healthy.createShoot();
    await healthy.startKubelet();
    // Two workers for seven shoots: without per-request timeouts the silent ones hold both for a
    // whole reconcile (longer than the poll timeout), without fairness they keep taking them.
    await startManager(type, 2);
    await expect
      .poll(async () => Promise.all(silent.map(lastError)))
      .toSatisfy((errors: unknown[]) =>
        errors.every((e) => typeof e === 'string' && e.includes('timed out')),
      );
    const createdAt = Date.now();
    await healthy.createExtension(gitConfig(healthy.fluxNamespace));
    await playFluxReady(healthy);
    await expect.poll(async () => evaluateExtensionReadiness(await healthy.extension())).toBeUndefined();
    console.log(
      `[hostile] healthy shoot next to 6 silent ones (2 workers, 1.5s request timeout): ` +
        `bootstrapped in ${((Date.now() - createdAt) / 1000).toFixed(1)}s`,
    );
    // The silent ones are still failing: the healthy one did not wait for them to recover.
    for (const gardenlet of silent) {
      const { status } = await gardenlet.extension();
      expect(status?.lastOperation?.state).not.toBe('Succeeded');
      expect(status?.lastError?.description).toContain('timed out');
    }
  });

  it('SIGTERM while a bootstrap waits for Flux: exit 0, Lease released, the wait recorded; the next process finishes', async () => {
    const leaseNamespace = await createLeaseNamespace();
    const gardenlet = testShoot('shoot-flux');
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    const first = startCli('controller-a', leaseNamespace);
    await expect.poll(() => holderOf(leaseNamespace)).not.toBe('');
    await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastOperation?.description)
      .toMatch(/^Waiting for GitRepository \S+: waiting for the first reconciliation/);

    first.child.kill('SIGTERM');
    await expect.poll(() => first.hasExited).toBe(true);
    expect(await first.waitForExit()).toBe(0);
    const lines = first.logs(200);
    expect(lines).toContain('Released leader lease');
    // It ended by itself, with nothing left open, not by the exit of last resort.
    expect(lines).not.toContain('Still running after shutdown');
    expect(await holderOf(leaseNamespace)).toBe('');
    const stopped = await gardenlet.extension();
    expect(stopped.status?.lastOperation).toMatchObject({ state: 'Processing' });
    // Written on the way out: what the wait was waiting for, not the progress text from before.
    expect(stopped.status?.lastOperation?.description).toMatch(/^Waiting for GitRepository \S+: /);
    expect(stopped.status?.lastError ?? undefined).toBeUndefined();
    expect(stopped.status?.state).toMatchObject({ flux: { installHash: expect.any(String) as unknown } });

    const second = startCli('controller-b', leaseNamespace);
    await playFluxReady(gardenlet);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
    expect(second.hasExited).toBe(false);
    // The second process resumed: Flux was installed once.
    expect(await fluxInstalledEvents(gardenlet)).toBe(1);
  });

  it('SIGKILL of the leader mid-bootstrap: the standby takes over after the lease expired and finishes', async () => {
    const leaseNamespace = await createLeaseNamespace();
    const gardenlet = testShoot('shoot-flux');
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    const leader = startCli('controller-leader', leaseNamespace);
    await expect.poll(() => holderOf(leaseNamespace)).not.toBe('');
    const leaderIdentity = await holderOf(leaseNamespace);
    const standby = startCli('controller-standby', leaseNamespace);
    await gardenlet.createExtension(gitConfig(gardenlet.fluxNamespace));
    await expect
      .poll(() =>
        gardenlet.flux.readObject(
          'kustomize.toolkit.fluxcd.io',
          'kustomizations',
          gardenlet.fluxNamespace,
          'flux-system',
        ),
      )
      .toBeDefined();

    leader.child.kill('SIGKILL');
    await expect.poll(() => leader.hasExited).toBe(true);
    await playFluxReady(gardenlet);
    await expect.poll(() => holderOf(leaseNamespace)).not.toBe(leaderIdentity);
    await expect.poll(async () => evaluateExtensionReadiness(await gardenlet.extension())).toBeUndefined();
    expect(standby.logs(200)).toContain('Acquired leader lease');
    expect(await holderOf(leaseNamespace)).not.toBe('');
    // The standby resumed from the recorded state: Flux was installed once.
    expect(await fluxInstalledEvents(gardenlet)).toBe(1);
  });
});
