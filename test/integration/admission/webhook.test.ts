// A real kube-apiserver calls the real webhook: Shoots are written through a garden stand-in
// whose ValidatingWebhookConfiguration comes from the rendered application chart, pointed at the
// webhook on loopback over TLS with a CA made here. The webhook reads secrets with the
// ServiceAccount the chart's RBAC binds, so that RBAC is proven enough as well.
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmissionMetrics } from '../../../src/admission/metrics.js';
import { AdmissionServer } from '../../../src/admission/webhook-server.js';
import { KubeRawClient } from '../../../src/kube/raw-client.js';
import { SecretExistenceReader } from '../../../src/kube/secret-existence.js';
import { discardLogger } from '../../../src/log/logger.js';
import {
  createTestCertificateAuthority,
  writeServingCertificate,
  type TestCertificateAuthority,
} from '../../harness/admission-certificates.js';
import {
  buildGitProviderConfigWith,
  buildInvalidProviderConfigCases,
  buildShoot,
  providerConfigPath,
} from '../../harness/admission-shoots.js';
import { pollUntil } from '../../harness/processes.js';
import type { ApiResponse } from '../support/api-request.js';
import { createShoot, startGarden, updateShoot, writeShootStatus, type Garden } from './garden.js';

const webhookName = 'validation.shoot-flux.extensions.gardener.cloud';
const prefix = providerConfigPath;

const config = buildGitProviderConfigWith;

interface StatusBody {
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { reason: string; field: string; message: string }[] };
  metadata?: { resourceVersion?: string };
}
const bodyOf = (response: ApiResponse) => response.body as StatusBody;

describe('the admission webhook behind a real kube-apiserver', () => {
  let garden: Garden;
  let ca: TestCertificateAuthority;
  let certDir: string;
  let server: AdmissionServer;
  let port: number;
  const metrics = createAdmissionMetrics({ defaultMetrics: false });
  const chartValues = (caBundle: string, failurePolicy: 'Fail' | 'Ignore' = 'Fail') => ({
    webhookConfig: { caBundle, url: `https://127.0.0.1:${port}`, failurePolicy, timeoutSeconds: 10 },
  });

  async function startWebhook(atPort: number): Promise<number> {
    server = new AdmissionServer({
      host: '127.0.0.1',
      port: atPort,
      certDir,
      logger: discardLogger,
      metrics,
      secrets: new SecretExistenceReader(new KubeRawClient(garden.webhookKubeConfig)),
      // A landscape that allows Flux from v2.7 (what `admission --allowed-flux-versions` gives).
      landscape: { allowedVersions: '>=2.7.0' },
      certPollIntervalMs: 500,
    });
    return server.start();
  }

  /** A project namespace with the two Secrets the Git config references. */
  async function project(): Promise<string> {
    const namespace = await garden.createProject();
    const core = garden.admin.makeApiClient(CoreV1Api);
    for (const name of ['fleet-git', 'sops-age']) {
      await core.createNamespacedSecret({
        namespace,
        body: { metadata: { name }, stringData: { key: 'value' } },
      });
    }
    return namespace;
  }

  /** The response to creating an invalid, labelled Shoot: 422 once the webhook is in the path. */
  async function probe(namespace: string): Promise<ApiResponse> {
    const shoot = buildShoot({
      name: `probe-${Math.random().toString(36).slice(2, 8)}`,
      namespace,
      providerConfig: config((c) => delete c.source.template.spec.url),
    });
    return createShoot(garden, shoot);
  }

  function requestsSeen(): Promise<number> {
    return metrics.requests.get().then((metric) => metric.values.reduce((sum, v) => sum + v.value, 0));
  }

  beforeAll(async () => {
    garden = await startGarden();
    certDir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-admission-cert-'));
    ca = await createTestCertificateAuthority('garden-webhook-ca');
    await writeServingCertificate(
      certDir,
      await ca.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }),
    );
    port = await startWebhook(0);
    await garden.register(chartValues(ca.cert));
    // The API server loads webhook configurations through an informer: wait until it calls ours.
    const namespace = await project();
    await pollUntil(
      'the API server calls the webhook',
      async () => (await probe(namespace)).status === 422,
      60_000,
    );
  });

  afterAll(async () => {
    await server.stop();
    await garden.stop();
    await rm(certDir, { recursive: true, force: true });
  });

  it('admits a valid Shoot without warnings', async () => {
    const response = await createShoot(garden, buildShoot({ name: 'valid', namespace: await project() }));
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.warnings).toEqual([]);
  });

  it.each(buildInvalidProviderConfigCases())(
    'rejects %s with 422 Invalid and the field path in the causes',
    async (_name, providerConfig, reason, field) => {
      const response = await createShoot(
        garden,
        buildShoot({ name: 'invalid', namespace: await project(), providerConfig }),
      );
      expect(response.status).toBe(422);
      const body = bodyOf(response);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toContain(
        `admission webhook "${webhookName}" denied the request: Shoot.core.gardener.cloud "invalid" is invalid`,
      );
      expect(body.details?.causes).toEqual([{ reason, field, message: expect.any(String) as unknown }]);
    },
  );

  it('runs the Kubernetes-version preflight and the allowed-versions policy before the Shoot is stored', async () => {
    const namespace = await project();
    const olderShoot = (name: string, providerConfig?: unknown) => {
      const shoot = buildShoot({ name, namespace, ...(providerConfig ? { providerConfig } : {}) });
      shoot.spec.kubernetes = { version: '1.32.4' };
      return shoot;
    };
    // The default Flux v2.9.2 needs Kubernetes 1.33.
    const tooOld = await createShoot(garden, olderShoot('k8s-too-old'));
    expect(tooOld.status).toBe(422);
    expect(bodyOf(tooOld).details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: `${prefix}.flux.version`,
        message:
          'Invalid value: "v2.9.2": Flux v2.9.2 needs Kubernetes >= 1.33, the shoot runs Kubernetes 1.32.4',
      },
    ]);
    // Flux v2.7 runs on 1.32, and the landscape allows it.
    const fitting = await createShoot(
      garden,
      olderShoot(
        'k8s-fits',
        config((c) => (c.flux = { version: 'v2.7.0' })),
      ),
    );
    expect(fitting.status, JSON.stringify(fitting.body)).toBe(201);
    // Flux v2.6 would run on 1.32 too, but the landscape allows v2.7 and newer only.
    const refused = await createShoot(
      garden,
      olderShoot(
        'not-allowed',
        config((c) => (c.flux = { version: 'v2.6.0' })),
      ),
    );
    expect(refused.status).toBe(422);
    expect(bodyOf(refused).details?.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: `${prefix}.flux.version`,
        message: 'Invalid value: "v2.6.0": this landscape allows Flux versions >=2.7.0 only',
      },
    ]);
    // Nothing of the denied Shoots was stored.
    expect(
      (
        await createShoot(
          garden,
          olderShoot(
            'k8s-too-old',
            config((c) => (c.flux = { version: 'v2.7.0' })),
          ),
        )
      ).status,
    ).toBe(201);
  });

  it('rejects a referenced Secret that does not exist in the project namespace', async () => {
    const namespace = await garden.createProject(); // without the Secrets
    const response = await createShoot(garden, buildShoot({ name: 'no-secret', namespace }));
    expect(response.status).toBe(422);
    expect(bodyOf(response).details?.causes?.map((c) => [c.reason, c.field])).toEqual([
      ['FieldValueNotFound', `${prefix}.source.secretResourceName`],
      ['FieldValueNotFound', `${prefix}.additionalSecretResources[0].name`],
    ]);
  });

  it('admits a legacy Shoot with the deprecation warning in the response headers', async () => {
    const providerConfig = config((c) => {
      delete c.source.template.apiVersion;
      delete c.source.template.kind;
    });
    const response = await createShoot(
      garden,
      buildShoot({ name: 'legacy', namespace: await project(), providerConfig }),
    );
    expect(response.status).toBe(201);
    expect(response.warnings).toEqual([
      expect.stringMatching(
        new RegExp(`^${prefix.replace(/[.[\]]/g, '\\$&')}\\.source\\.template: .*deprecated`, 'i'),
      ),
    ]);
  });

  it('warns on an update after the bootstrap that the change is not applied', async () => {
    const namespace = await project();
    const created = await createShoot(garden, buildShoot({ name: 'bootstrapped', namespace }));
    expect(created.status).toBe(201);
    // Play gardenlet: the Shoot was reconciled (Flux bootstrapped in that flow).
    const reconciled = await writeShootStatus(
      garden,
      { metadata: { namespace, name: 'bootstrapped' } },
      {
        lastOperation: { type: 'Reconcile', state: 'Succeeded', progress: 100 },
        technicalID: `shoot--${namespace.slice('garden-'.length)}--bootstrapped`,
      },
    );
    expect(reconciled.status).toBe(200);
    const changed = buildShoot({
      name: 'bootstrapped',
      namespace,
      providerConfig: config((c) => (c.flux = { version: 'v2.8.0' })),
    });
    const response = await updateShoot(garden, {
      ...changed,
      metadata: { ...changed.metadata, resourceVersion: bodyOf(reconciled).metadata?.resourceVersion },
    } as typeof changed);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.warnings).toEqual([expect.stringContaining(`${prefix}: flux.version changed`)]);
    expect(response.warnings[0]).toContain(
      'Flux is most likely bootstrapped and the change will not be applied',
    );
    expect(response.warnings[0]).toContain('flux.extensions.gardener.cloud/rebootstrap=true');
  });

  it('never sends a Shoot without the shoot-flux label', async () => {
    const before = await requestsSeen();
    const shoot = buildShoot({
      name: 'unlabelled',
      namespace: await project(),
      labelled: false,
      providerConfig: config((c) => delete c.source.template.spec.url),
    });
    const response = await createShoot(garden, shoot);
    expect(response.status).toBe(201);
    expect(await requestsSeen()).toBe(before);
  });

  it('serves a rotated certificate without a restart', async () => {
    const namespace = await project();
    const rotated = await createTestCertificateAuthority('rotated-webhook-ca');
    // The API server trusts only the new CA now: calls fail until the webhook serves a
    // certificate it signed (failurePolicy Fail turns that into an error, not a 422).
    await garden.register(chartValues(rotated.cert));
    await expect
      .poll(async () => bodyOf(await probe(namespace)).message ?? '')
      .toContain('failed calling webhook');
    await writeServingCertificate(
      certDir,
      await rotated.issue({ commonName: 'webhook', ipAddresses: ['127.0.0.1'] }),
    );
    await expect.poll(async () => (await probe(namespace)).status).toBe(422);
    ca = rotated;
  });

  it('follows failurePolicy while the webhook is down: Fail refuses, Ignore admits unchecked', async () => {
    const namespace = await project();
    await server.stop();
    try {
      await expect
        .poll(async () => bodyOf(await probe(namespace)).message ?? '')
        .toMatch(/failed calling webhook.*connection refused/);
      const refused = await probe(namespace);
      expect(refused.status).toBe(500);
      await garden.register(chartValues(ca.cert, 'Ignore'));
      await expect.poll(async () => (await probe(namespace)).status).toBe(201);
    } finally {
      await startWebhook(port);
      await garden.register(chartValues(ca.cert, 'Fail'));
    }
    await expect.poll(async () => (await probe(namespace)).status).toBe(422);
  });
});
