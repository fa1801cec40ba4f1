import { afterAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../../src/controller/manager.js';
import type { ShootFluxActuator } from '../../../../src/controller/shoot-flux/actuator.js';
import type { Extension } from '../../../../src/gardener/types.js';
import { makeFluxManifestsBase } from '../../../harness/gardener-objects.js';
import { startTestManager } from '../../../harness/test-manager.js';
import { clusterKubeConfig } from '../../support/clusters.js';
import { publicGitConfig, useTestShoots } from '../shoot-flux-support.js';

// What the actuator holds for an Extension (wake-up watches, shoot clients and their keep-alive
// sockets) ends with it: when the Extension is deleted, and when the controller stops.
const extensionType = 'shoot-flux-release';

describe('releasing what an Extension held', () => {
  const managers: Manager[] = [];
  const shoots = useTestShoots();

  afterAll(async () => {
    await Promise.all(managers.map((m) => m.stop()));
  });

  /** The real manager and actuator, as `run` composes them; the actuator is kept for inspection. */
  const start = async () => {
    let actuator: ShootFluxActuator | undefined;
    const manager = await startTestManager({
      kubeConfig: clusterKubeConfig('seed'),
      shootFlux: { fluxManifestsBases: [await makeFluxManifestsBase()] },
      onShootFluxActuator: (built) => (actuator = built),
      manager: { extensionType },
    });
    managers.push(manager);
    if (!actuator) throw new Error('the manager built no actuator');
    return { manager, actuator };
  };

  /** A shoot whose bootstrap waits for Flux's controllers (no kubelet plays them), watching them. */
  const waitingShoot = async (actuator: ShootFluxActuator) => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    await gardenlet.createExtension(publicGitConfig(gardenlet.fluxNamespace));
    const extension: Extension = await gardenlet.extension();
    await expect
      .poll(() => actuator.heldFor(extension))
      .toMatchObject({ watches: ['flux-install'], shootClient: true, shootAgents: 1 });
    // The wake-up watch streams over a socket of the shoot connection's pooled agent.
    expect(actuator.heldFor(extension).shootSockets).toBeGreaterThan(0);
    return { gardenlet, extension };
  };

  it('releases the watches, the shoot client and its sockets of a deleted Extension', async () => {
    const { actuator } = await start();
    const { gardenlet, extension } = await waitingShoot(actuator);
    await gardenlet.deleteExtension();
    await expect
      .poll(async () => {
        try {
          await gardenlet.extension();
          return 'present';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
    // A socket busy at the deletion closes as its exchange ends.
    await expect
      .poll(() => actuator.heldFor(extension))
      .toEqual({ watches: [], shootClient: false, shootAgents: 0, shootSockets: 0 });
  });

  it('releases every watch, shoot client and socket when the controller stops', async () => {
    const { manager, actuator } = await start();
    const { extension } = await waitingShoot(actuator);
    await manager.stop();
    await expect
      .poll(() => actuator.heldFor(extension))
      .toEqual({ watches: [], shootClient: false, shootAgents: 0, shootSockets: 0 });
  });
});
