// An Extension that goes away (deleted, or migrated to another seed) must not leave its shoot's
// KubeConfig cached: it keys the shoot's client and discovery cache, so a fleet whose shoots come
// and go would otherwise grow without bound. No request is sent: delete and migrate touch nothing.
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ActuatorContext } from '../../../../src/controller/actuator.js';
import { ShootFluxActuator } from '../../../../src/controller/shoot-flux/actuator.js';
import type { Extension } from '../../../../src/gardener/types.js';
import { discardLogger } from '../../../../src/log/logger.js';

function actuatorRecordingForgets(): { actuator: ShootFluxActuator; forgotten: string[] } {
  const forgotten: string[] = [];
  const seed = new KubeConfig();
  seed.loadFromOptions({
    clusters: [{ name: 'seed', server: 'https://seed.invalid', skipTLSVerify: false }],
    users: [{ name: 'seed' }],
    contexts: [{ name: 'seed', cluster: 'seed', user: 'seed' }],
    currentContext: 'seed',
  });
  const actuator = new ShootFluxActuator({
    seed,
    shootClients: {
      kubeConfigFor: () => Promise.reject(new Error('no shoot access in this test')),
      forget: (namespace) => forgotten.push(namespace),
    },
    bundles: { load: () => Promise.reject(new Error('no bundles in this test')) },
    gardenClusterIdentity: 'garden',
    logger: discardLogger,
    enqueue: () => undefined,
    removeAnnotation: () => Promise.resolve(),
    waitBudgetMs: 5_000,
  });
  return { actuator, forgotten };
}

const context = (namespace: string) =>
  ({
    extension: {
      apiVersion: 'extensions.gardener.cloud/v1alpha1',
      kind: 'Extension',
      metadata: { name: 'shoot-flux', namespace },
      spec: { type: 'shoot-flux' },
    } as Extension,
    cluster: undefined,
    signal: new AbortController().signal,
    logger: discardLogger,
  }) as unknown as ActuatorContext;

describe('ShootFluxActuator releases a shoot it no longer serves', () => {
  it.each([
    ['delete', (a: ShootFluxActuator, c: ActuatorContext) => a.delete(c)],
    ['forceDelete', (a: ShootFluxActuator, c: ActuatorContext) => a.forceDelete(c)],
    ['migrate', (a: ShootFluxActuator, c: ActuatorContext) => a.migrate(c)],
  ])('on %s', async (_name, operation) => {
    const { actuator, forgotten } = actuatorRecordingForgets();
    await operation(actuator, context('shoot--p--gone'));
    expect(forgotten).toEqual(['shoot--p--gone']);
    await actuator.close();
  });
});
