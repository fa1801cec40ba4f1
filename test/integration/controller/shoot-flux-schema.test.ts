import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { useTestShoots, publicGitConfig, startShootFluxManager } from './shoot-flux-support.js';

// Templates checked against the Flux CRDs of the installed bundle, and the error codes of
// failures in the shoot. The Extensions are of a type of their own, so this file's manager and
// the other files' never reconcile the same one.
const extensionType = 'shoot-flux-schema';

describe('shoot-flux actuator: template schemas and error codes', () => {
  let manager: Manager;
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({ extensionType });
  });
  afterAll(async () => {
    await manager.stop();
  });

  it('warns about a misspelled template field, naming its path and the field meant', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    await gardenlet.startKubelet();
    await gardenlet.createExtension({
      ...publicGitConfig(ns),
      kustomization: { template: { spec: { path: './', intervall: '5m' } } },
    });
    await expect
      .poll(async () => (await gardenlet.events()).find((event) => event.reason === 'ProviderConfigWarning'))
      .toMatchObject({
        type: 'Warning',
        message: expect.stringContaining(
          'kustomization.template.spec.intervall: unknown field: the Kustomization ' +
            'kustomize.toolkit.fluxcd.io/v1 CRD of Flux v2.9.2 does not declare it; ' +
            'did you mean "kustomization.template.spec.interval"?',
        ) as unknown,
      });
  });

  it('refuses a wrongly typed template field before anything is written to the shoot', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    await gardenlet.createShoot();
    const config = publicGitConfig(ns);
    await gardenlet.createExtension({
      ...config,
      source: {
        template: { ...config.source.template, spec: { ...config.source.template.spec, provider: 'gitlab' } },
      },
    });
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    expect((await gardenlet.extension()).status?.lastError?.description).toContain(
      'source.template.spec.provider: Unsupported value: "gitlab": supported values: "generic", "aws", "azure", "github"',
    );
    // Not even the Flux namespace: the check ran before the install.
    await expect(gardenlet.shootCore.readNamespace({ name: ns })).rejects.toThrow();
  });

  it('reports a webhook in the shoot that cannot be called as ERR_PROBLEMATIC_WEBHOOK', async () => {
    const gardenlet = shoots.create(extensionType);
    const ns = gardenlet.fluxNamespace;
    const webhooks = gardenlet.shoot.makeApiClient(AdmissionregistrationV1Api);
    const name = `refusing-${ns}`;
    // failurePolicy Fail and a closed loopback port: every write it matches fails with "failed
    // calling webhook". Only namespaced objects in this test's Flux namespace match it.
    await webhooks.createValidatingWebhookConfiguration({
      body: {
        metadata: { name },
        webhooks: [
          {
            name: 'refuse.shoot-flux-schema.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Fail',
            timeoutSeconds: 5,
            clientConfig: { url: 'https://127.0.0.1:1/validate' },
            namespaceSelector: {
              matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns] }],
            },
            rules: [
              {
                apiGroups: ['*'],
                apiVersions: ['*'],
                operations: ['CREATE', 'UPDATE'],
                resources: ['*'],
                scope: 'Namespaced',
              },
            ],
          },
        ],
      },
    });
    try {
      await gardenlet.createShoot();
      await gardenlet.createExtension(publicGitConfig(ns));
      await expect
        .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
        .toEqual(['ERR_PROBLEMATIC_WEBHOOK']);
      // Not terminal (the owner may fix or remove the webhook): the retry may already be Processing.
      expect((await gardenlet.extension()).status?.lastError?.description).toContain(
        'failed calling webhook',
      );
    } finally {
      await webhooks.deleteValidatingWebhookConfiguration({ name });
    }
  });
});
