import net from 'node:net';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { ResilientInformer } from '../../../src/kube/informer.js';
import { ExtensionClient } from '../../../src/controller/extension-client.js';
import type { Extension } from '../../../src/gardener/types.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import { discardLogger } from '../../../src/log/logger.js';
import type { Gardenlet } from '../../harness/gardenlet.js';
import { clusterKubeConfig } from '../support/clusters.js';
import {
  RecordingActuator,
  buildMinimalShoot,
  createGardenlet,
  startManager,
  uniqueType,
} from './support.js';

const seed = clusterKubeConfig('seed');
const custom = seed.makeApiClient(CustomObjectsApi);

const readLease = async (namespace: string, name: string) => {
  try {
    return (await custom.getNamespacedCustomObject({
      group: 'coordination.k8s.io',
      version: 'v1',
      namespace,
      plural: 'leases',
      name,
    })) as {
      spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
    };
  } catch {
    return undefined;
  }
};

/** A TCP proxy in front of the seed API server whose connections the test can cut. */
async function startProxy(
  target: URL,
  port = 0,
): Promise<{ port: number; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

describe('manager', () => {
  const managers: Manager[] = [];
  const gardenlets: Gardenlet[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    for (const gardenlet of gardenlets.splice(0)) await gardenlet.remove();
  });

  it('with leader election only the leader reconciles; stopping releases the lease to the other', async () => {
    const type = uniqueType();
    const gardenlet = await createGardenlet(seed, type, gardenlets);
    const namespace = gardenlet.namespace;
    const election = {
      namespace,
      id: 'shoot-flux-leader-election',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 200,
    };
    const first = new RecordingActuator();
    const second = new RecordingActuator();
    const a = await startManager(seed, first, {
      extensionType: type,
      leaderElection: { ...election, identity: 'a' },
    });
    managers.push(a);
    await expect.poll(() => a.isLeader).toBe(true);
    const b = await startManager(seed, second, {
      extensionType: type,
      leaderElection: { ...election, identity: 'b' },
    });
    managers.push(b);
    await expect.poll(() => b.readiness()).toBeUndefined();
    expect(b.isLeader).toBe(false);

    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect
      .poll(async () => {
        const extension = await gardenlet.readExtension();
        return extension ? evaluateExtensionReadiness(extension) : 'gone';
      })
      .toBeUndefined();
    expect(first.calls).toHaveLength(1);
    expect(second.calls).toHaveLength(0);

    await a.stop();
    expect((await readLease(namespace, election.id))?.spec.holderIdentity).not.toBe('a');
    await expect.poll(() => b.isLeader).toBe(true);
    await gardenlet.annotate('reconcile');
    await expect.poll(() => second.calls.length).toBe(1);
    expect(first.calls).toHaveLength(1);
    expect((await readLease(namespace, election.id))?.spec.holderIdentity).toBe('b');
  });

  it('renews the heartbeat lease and serves health, readiness and metrics', async () => {
    const type = uniqueType();
    const { namespace } = await createGardenlet(seed, type, gardenlets, 'extension-it');
    const manager = await startManager(seed, new RecordingActuator(), {
      extensionType: type,
      heartbeat: { namespace, renewIntervalSeconds: 1 },
      metricsBindAddress: '127.0.0.1:0',
      healthBindAddress: '127.0.0.1:0',
    });
    managers.push(manager);
    await expect
      .poll(async () => (await readLease(namespace, 'gardener-extension-heartbeat'))?.spec)
      .toMatchObject({
        holderIdentity: type,
        leaseDurationSeconds: 1,
      });
    const firstRenew = (await readLease(namespace, 'gardener-extension-heartbeat'))?.spec.renewTime;
    expect(firstRenew).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    await expect
      .poll(async () => (await readLease(namespace, 'gardener-extension-heartbeat'))?.spec.renewTime)
      .not.toBe(firstRenew);

    const health = `http://127.0.0.1:${manager.ports.health}`;
    expect((await fetch(`${health}/healthz`)).status).toBe(200);
    await expect.poll(async () => (await fetch(`${health}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${manager.ports.metrics}/metrics`)).text();
    expect(metrics).toContain('rest_client_requests_total{verb="list",code="200"}');
    expect(metrics).toContain('workqueue_depth');
    expect(metrics).toContain('shoot_flux_bootstrap_duration_seconds');
  });

  it('the informer restarts after the connection breaks and relists what changed meanwhile', async () => {
    const type = uniqueType();
    const gardenlet = await createGardenlet(seed, `${type}-a`, gardenlets);
    const namespace = gardenlet.namespace;
    const server = new URL(seed.getCurrentCluster()?.server ?? '');
    const proxy = await startProxy(server);
    const viaProxy = new KubeConfig();
    viaProxy.loadFromString(seed.exportConfig());
    const cluster = viaProxy.getCurrentCluster();
    viaProxy.clusters = viaProxy.clusters.map((c) =>
      c.name === cluster?.name
        ? { ...c, server: `https://127.0.0.1:${proxy.port}`, tlsServerName: server.hostname }
        : c,
    );
    const client = new ExtensionClient(viaProxy);
    const seen: string[] = [];
    const informer = new ResilientInformer<Extension>({
      kubeConfig: viaProxy,
      path: '/apis/extensions.gardener.cloud/v1alpha1/extensions',
      list: () => client.listExtensions(),
      logger: discardLogger,
      minBackoffMs: 20,
      maxBackoffMs: 200,
      handlers: { add: (e) => seen.push(`${e.metadata.namespace}/${e.spec.type}`) },
    });
    try {
      informer.start();
      await informer.waitForSync(AbortSignal.timeout(30_000));
      await gardenlet.createExtension();
      await expect.poll(() => seen).toContain(`${namespace}/${type}-a`);

      // Break every connection; the next one fails too until the proxy is back.
      await proxy.close();
      await gardenlet.patchExtension({ metadata: { labels: { during: 'outage' } } });
      const other = await createGardenlet(seed, `${type}-b`, gardenlets);
      await other.createExtension();
      await expect.poll(() => informer.restarts).toBeGreaterThan(0);
      // Bring a proxy back on the same port.
      const again = await startProxy(server, proxy.port);
      try {
        await expect.poll(() => seen).toContain(`${other.namespace}/${type}-b`);
        await expect
          .poll(() => informer.get(namespace, 'shoot-flux')?.metadata.labels?.during)
          .toBe('outage');
      } finally {
        await informer.stop();
        await again.close();
      }
    } finally {
      await informer.stop();
    }
  });
});
