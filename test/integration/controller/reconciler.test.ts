import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, RequeueAfterError } from '../../../src/controller/errors.js';
import type { Manager } from '../../../src/controller/manager.js';
import { evaluateExtensionReadiness } from '../../../src/gardener/status.js';
import type { Gardenlet } from '../../harness/gardenlet.js';
import { clusterKubeConfig } from '../support/clusters.js';
import { captureLogs } from '../support/log-capture.js';
import {
  RecordingActuator,
  buildMinimalShoot,
  createGardenlet,
  startManager,
  uniqueType,
} from './support.js';

describe('generic Extension reconciler', () => {
  const seed = clusterKubeConfig('seed');
  const managers: Manager[] = [];
  const gardenlets: Gardenlet[] = [];
  let actuator: RecordingActuator;
  let type: string;

  const setup = async (options: Parameters<typeof startManager>[2] | object = {}) => {
    const gardenlet = await createGardenlet(seed, type, gardenlets);
    const manager = await startManager(seed, actuator, { extensionType: type, ...options });
    managers.push(manager);
    return { gardenlet, namespace: gardenlet.namespace, manager };
  };

  const readiness = async (gardenlet: Gardenlet) => {
    const extension = await gardenlet.readExtension();
    return extension ? evaluateExtensionReadiness(extension) : 'gone';
  };

  beforeAll(() => {
    expect(seed.getCurrentCluster()).toBeDefined();
  });

  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    for (const gardenlet of gardenlets.splice(0)) await gardenlet.remove();
  });

  const fresh = () => {
    actuator = new RecordingActuator();
    type = uniqueType();
  };

  it('creates: finalizer, reconcile annotation removed before reconciling, status gardenlet accepts', async () => {
    fresh();
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    const extension = await gardenlet.readExtension();
    expect(extension?.metadata.finalizers).toEqual(['extensions.gardener.cloud/shoot-flux']);
    expect(extension?.status?.lastOperation).toMatchObject({
      type: 'Create',
      state: 'Succeeded',
      progress: 100,
      description: 'Successfully reconciled Extension',
    });
    expect(extension?.status?.observedGeneration).toBe(extension?.metadata.generation);
    expect(actuator.calls).toHaveLength(1);
    expect(actuator.calls[0]).toMatchObject({ method: 'reconcile', hasCluster: true });
    expect(actuator.calls[0]?.annotations['gardener.cloud/operation']).toBeUndefined();

    // A spec change without the annotation is not reconciled (annotation mode) ...
    await gardenlet.patchExtension({ spec: { providerConfig: { a: 1 } } });
    // ... until gardenlet asks for it.
    await gardenlet.annotate('reconcile');
    await expect.poll(() => actuator.calls.length).toBe(2);
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    expect((await gardenlet.readExtension())?.status?.lastOperation?.type).toBe('Reconcile');
  });

  it('records errors with codes and no retry storm for configuration problems', async () => {
    fresh();
    actuator.behaviour = () =>
      Promise.reject(
        new Error('decode providerConfig', {
          cause: new ConfigurationError('flux.version: Invalid value: "x"'),
        }),
      );
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect
      .poll(async () => (await gardenlet.readExtension())?.status?.lastError)
      .toMatchObject({
        description: 'Error reconciling Extension: decode providerConfig',
        codes: ['ERR_CONFIGURATION_PROBLEM'],
      });
    const extension = await gardenlet.readExtension();
    expect(extension?.status?.lastOperation).toMatchObject({ type: 'Create', state: 'Error', progress: 50 });
    expect(extension?.status?.observedGeneration).toBe(extension?.metadata.generation);
    expect(await readiness(gardenlet)).toBe(
      'error during reconciliation: Error reconciling Extension: decode providerConfig',
    );
    expect(actuator.calls).toHaveLength(1);

    // Fixed config: gardenlet redeploys with the annotation; success clears lastError.
    actuator.behaviour = () => Promise.resolve();
    await gardenlet.annotate('reconcile');
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
  });

  it('records an internal error by step and reconcileID, and logs its stack without credentials', async () => {
    fresh();
    actuator.behaviour = () =>
      Promise.reject(new TypeError("Cannot read properties of null (reading 'find'): Bearer s3cr3t-t0ken"));
    const logs = captureLogs();
    const { gardenlet } = await setup({ logger: logs.logger });
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect
      .poll(async () => (await gardenlet.readExtension())?.status?.lastError?.description)
      .toMatch(
        /^Error reconciling Extension: internal error in step "Reconciling the Extension" \(reconcileID [0-9a-f-]{36}; the controller log has the details\)$/,
      );
    const extension = await gardenlet.readExtension();
    expect(JSON.stringify(extension?.status)).not.toMatch(/Cannot read|s3cr3t/);
    const reconcileID = /reconcileID ([0-9a-f-]{36})/.exec(
      extension?.status?.lastError?.description ?? '',
    )?.[1];
    const logged = logs
      .lines()
      .find((line) => line.msg === 'Internal error' && line.reconcileID === reconcileID);
    expect(logged).toMatchObject({ step: 'Reconciling the Extension', error: { name: 'TypeError' } });
    expect((logged?.error as { stack?: string }).stack).toContain('Cannot read properties of null');
    expect(logs.text()).not.toContain('s3cr3t');
  });

  it('a requeued operation starts with what it waited for, a new one with "Reconciling the Extension"', async () => {
    fresh();
    const startDescriptions: (string | undefined)[] = [];
    actuator.behaviour = (_method, context) => {
      startDescriptions.push(context.status.current.status?.lastOperation?.description);
      return startDescriptions.length === 1
        ? Promise.reject(new RequeueAfterError(50, 'waiting for the source: connection refused'))
        : Promise.resolve();
    };
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    await gardenlet.annotate('reconcile');
    await expect.poll(() => startDescriptions.length).toBe(3);
    expect(startDescriptions).toEqual([
      'Reconciling the Extension',
      'Waiting for the source: connection refused',
      'Reconciling the Extension',
    ]);
  });

  it('writes the Error status after the reconcile deadline expired', async () => {
    fresh();
    actuator.behaviour = (_method, context) =>
      new Promise((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          reject(new Error('waiting for Flux: deadline exceeded'));
        });
      });
    const { gardenlet } = await setup({ reconcileTimeoutMs: 500 });
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect
      .poll(async () => (await gardenlet.readExtension())?.status?.lastOperation?.state)
      .toBe('Error');
    expect((await gardenlet.readExtension())?.status?.lastError?.description).toBe(
      'Error reconciling Extension: waiting for Flux: deadline exceeded',
    );
  });

  it('wait-for-state waits, restore restores and removes the annotation, migrate drops finalizers', async () => {
    fresh();
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension(undefined, {
      annotations: { 'gardener.cloud/operation': 'wait-for-state' },
    });
    // Nothing happens while waiting for the state; the restore request starts the work.
    await gardenlet.patchExtensionStatus({ state: { bootstrapped: true } });
    await gardenlet.annotate('restore');
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    // Our own status writes while the restore annotation is still there requeue the key once
    // (Gardener's predicate does the same), so a Reconcile may follow the Restore.
    expect(actuator.calls[0]?.method).toBe('restore');
    expect(new Set(actuator.calls.slice(1).map((c) => c.method))).not.toContain('restore');
    let extension = await gardenlet.readExtension();
    expect(extension?.status?.lastOperation?.state).toBe('Succeeded');
    expect(extension?.status?.state).toEqual({ bootstrapped: true });
    expect(extension?.metadata.finalizers).toEqual(['extensions.gardener.cloud/shoot-flux']);

    await gardenlet.annotate('migrate');
    await expect
      .poll(async () => (await gardenlet.readExtension())?.metadata.annotations?.['gardener.cloud/operation'])
      .toBeUndefined();
    extension = await gardenlet.readExtension();
    expect(extension?.status?.lastOperation).toMatchObject({ type: 'Migrate', state: 'Succeeded' });
    expect(extension?.metadata.finalizers).toBeUndefined();
    expect(extension?.status?.state).toEqual({ bootstrapped: true });
    expect(actuator.calls.at(-1)?.method).toBe('migrate');
    const callsAfterMigrate = actuator.calls.length;

    // After a successful migration, a reconcile request is consumed but skipped.
    await gardenlet.annotate('reconcile');
    await expect
      .poll(async () => (await gardenlet.readExtension())?.metadata.annotations?.['gardener.cloud/operation'])
      .toBeUndefined();
    expect(actuator.calls).toHaveLength(callsAfterMigrate);
  });

  it('deletes: Delete operation, then the finalizer goes and the object with it', async () => {
    fresh();
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(buildMinimalShoot());
    await gardenlet.createExtension();
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    await gardenlet.deleteExtension();
    await expect.poll(() => gardenlet.readExtension()).toBeUndefined();
    expect(actuator.calls.map((c) => c.method)).toEqual(['reconcile', 'delete']);
  });

  it('force-deletes when the shoot is marked for force deletion', async () => {
    fresh();
    const { gardenlet } = await setup();
    await gardenlet.writeCluster(
      buildMinimalShoot({
        metadata: {
          name: 's',
          namespace: 'garden-it',
          annotations: { 'confirmation.gardener.cloud/force-deletion': 'true' },
        },
      }),
    );
    await gardenlet.createExtension();
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    await gardenlet.deleteExtension();
    await expect.poll(() => gardenlet.readExtension()).toBeUndefined();
    expect(actuator.calls.map((c) => c.method)).toEqual(['reconcile', 'forceDelete']);
  });

  it('skips Extensions of failed shoots and reports an undecodable Cluster as an error', async () => {
    fresh();
    const { gardenlet, namespace } = await setup();
    await gardenlet.writeCluster(
      buildMinimalShoot({ status: { lastOperation: { type: 'Reconcile', state: 'Failed' } } }),
    );
    await gardenlet.createExtension();
    // The request is consumed (annotation removed) but nothing runs and no status is written.
    await expect
      .poll(async () => (await gardenlet.readExtension())?.metadata.annotations?.['gardener.cloud/operation'])
      .toBeUndefined();
    expect(actuator.calls).toEqual([]);
    expect((await gardenlet.readExtension())?.status?.lastOperation).toBeUndefined();

    await gardenlet.patchCluster({ spec: { shoot: { metadata: { name: null }, status: null } } });
    await gardenlet.annotate('reconcile');
    await expect
      .poll(async () => (await gardenlet.readExtension())?.status?.lastError?.description)
      .toBe(`Error reconciling Extension: cluster ${namespace}: spec.shoot.metadata.name is missing`);
    // gardenlet's object, not the user's: coded as a dependency that is retried.
    expect((await gardenlet.readExtension())?.status?.lastError?.codes).toEqual([
      'ERR_RETRYABLE_INFRA_DEPENDENCIES',
    ]);
    expect(actuator.calls).toEqual([]);
  });

  it('--extension-classes selects Extensions by class', async () => {
    fresh();
    const { gardenlet, namespace } = await setup({ extensionClasses: ['seed'] });
    await gardenlet.createExtension(undefined, { class: 'seed' });
    await expect.poll(() => readiness(gardenlet)).toBeUndefined();
    // Seed-class Extensions need no Cluster.
    expect(actuator.calls[0]).toMatchObject({ method: 'reconcile', hasCluster: false });

    const other = await createGardenlet(seed, type, gardenlets);
    await other.writeCluster(buildMinimalShoot());
    await other.createExtension(); // class shoot: not ours
    await gardenlet.annotate('reconcile');
    await expect.poll(() => actuator.calls.length).toBe(2);
    expect(actuator.calls.map((c) => c.namespace)).toEqual([namespace, namespace]);
  });

  it('--ignore-operation-annotation: a new leader reconciles each Extension once, though two informers list it', async () => {
    fresh();
    // Extensions and Clusters that exist before the manager starts: its Extension informer lists
    // each Extension, its Cluster informer each Cluster, and both enqueue the Extension.
    const shoots: Gardenlet[] = [];
    for (let i = 0; i < 4; i++) {
      const gardenlet = await createGardenlet(seed, type, gardenlets);
      await gardenlet.writeCluster(buildMinimalShoot());
      await gardenlet.createExtension(undefined, { annotations: {} });
      shoots.push(gardenlet);
    }
    const manager = await startManager(seed, actuator, {
      extensionType: type,
      ignoreOperationAnnotation: true,
      maxConcurrentReconciles: 4,
    });
    managers.push(manager);
    await expect.poll(() => manager.readiness()).toBeUndefined();
    // Once both lists are in, every event they caused is queued: wait until the queue is empty
    // and every reconcile that started has ended.
    const settled = async () => {
      const depth = (await manager.metrics.queueDepth.get()).values[0]?.value ?? 0;
      const ended = (await manager.metrics.reconciles.get()).values.reduce((sum, v) => sum + v.value, 0);
      return depth === 0 && ended === actuator.calls.length && ended >= shoots.length;
    };
    await expect.poll(settled).toBe(true);
    expect(actuator.calls.map((c) => c.namespace).sort()).toEqual(shoots.map((g) => g.namespace).sort());
  });

  it('--ignore-operation-annotation reconciles on generation changes of the Extension and the Cluster', async () => {
    fresh();
    // The Cluster exists and the manager has seen it before the Extension appears: otherwise a
    // Cluster event that arrives late (a loaded machine) legitimately causes a second reconcile.
    const gardenlet = await createGardenlet(seed, type, gardenlets);
    await gardenlet.writeCluster(buildMinimalShoot());
    const manager = await startManager(seed, actuator, {
      extensionType: type,
      ignoreOperationAnnotation: true,
    });
    managers.push(manager);
    await expect.poll(() => manager.readiness()).toBeUndefined();
    await gardenlet.createExtension(undefined, { annotations: {} });
    await expect.poll(() => actuator.calls.length).toBe(1);
    await gardenlet.patchExtension({ spec: { providerConfig: { changed: true } } });
    await expect.poll(() => actuator.calls.length).toBe(2);
    await gardenlet.patchCluster({
      spec: { shoot: { spec: { hibernation: { enabled: true } } } },
    });
    await expect.poll(() => actuator.calls.length).toBe(3);
    await expect
      .poll(async () => (await gardenlet.readExtension())?.status?.lastOperation?.state)
      .toBe('Succeeded');
  });
});
