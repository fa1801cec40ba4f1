// A garden stand-in for the admission webhook: a real kube-apiserver from the harness that
// serves Shoots through a CRD owned by this test (the real Shoot API is gardener-apiserver's,
// which the harness does not run; for admission, the group, version and kind are what matter),
// and the webhook registered from the rendered application chart.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { startControlPlane, type ControlPlane } from '../../harness/control-plane.js';
import { admissionChartDirs, applyObject, renderChart, type RenderedObject } from '../chart/helm.js';
import { sendApiRequest, type ApiResponse } from '../support/api-request.js';

/** Shoots as a permissive CRD: any spec and status, a status subresource as the real API has. */
const shootCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'shoots.core.gardener.cloud' },
  spec: {
    group: 'core.gardener.cloud',
    scope: 'Namespaced',
    names: { plural: 'shoots', singular: 'shoot', kind: 'Shoot', listKind: 'ShootList' },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

/** The stand-in and what the webhook needs from it. */
export interface Garden {
  readonly plane: ControlPlane;
  readonly admin: KubeConfig;
  /** Credentials of a ServiceAccount bound to exactly the application chart's RBAC. */
  readonly webhookKubeConfig: KubeConfig;
  /** A fresh project namespace (`garden-<random>`); never deleted (no namespace controller). */
  createProject(): Promise<string>;
  /** Renders the application chart with these values and applies it (the webhook registration). */
  register(values: object): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the garden stand-in; the caller registers the webhook. */
export async function startGarden(): Promise<Garden> {
  const work = await mkdtemp(path.join(tmpdir(), 'shoot-flux-garden-'));
  const crdFile = path.join(work, 'shoot-crd.yaml');
  await writeFile(crdFile, yaml.dump(shootCrd));
  const plane = await startControlPlane({ name: 'garden', crdFiles: [crdFile] });
  const admin = plane.kubeConfig;
  const core = admin.makeApiClient(CoreV1Api);
  const releaseNamespace = 'extension-shoot-flux';
  await core.createNamespace({ body: { metadata: { name: releaseNamespace } } });

  const register = async (values: object) => {
    const objects = await renderChart(releaseNamespace, values, admissionChartDirs.application);
    for (const object of objects) await applyOrThrow(admin, object);
  };
  // RBAC and ServiceAccount first (the webhook's credentials), with a CA bundle that is replaced
  // once the test registers the webhook for real.
  const rbac = (
    await renderChart(
      releaseNamespace,
      { webhookConfig: { caBundle: 'none' } },
      admissionChartDirs.application,
    )
  ).filter((o) => o.kind !== 'ValidatingWebhookConfiguration');
  for (const object of rbac) await applyOrThrow(admin, object);
  const token = await core.createNamespacedServiceAccountToken({
    name: 'gardener-extension-shoot-flux-admission',
    namespace: releaseNamespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  if (!token.status?.token) throw new Error('no ServiceAccount token');
  const webhookKubeConfig = new KubeConfig();
  const user = `shoot-flux-admission-${randomBytes(4).toString('hex')}`; // client-node caches by user name
  webhookKubeConfig.loadFromOptions({
    clusters: [{ name: 'garden', server: plane.server, caFile: plane.caFile }],
    users: [{ name: user, token: token.status.token }],
    contexts: [{ name: 'garden', cluster: 'garden', user }],
    currentContext: 'garden',
  });

  return {
    plane,
    admin,
    webhookKubeConfig,
    async createProject() {
      const name = `garden-${randomBytes(4).toString('hex')}`;
      await core.createNamespace({ body: { metadata: { name } } });
      return name;
    },
    register,
    async stop() {
      await plane.stop();
      await rm(work, { recursive: true, force: true });
    },
  };
}

async function applyOrThrow(kubeConfig: KubeConfig, object: RenderedObject): Promise<void> {
  const response = await applyObject(kubeConfig, object, { dryRun: false });
  if (response.status >= 300) throw new Error(`apply ${object.kind}: ${JSON.stringify(response.body)}`);
}

/** Creates a Shoot through the API server as a user would (`kubectl create`). */
export function createShoot(
  garden: Garden,
  shoot: { metadata: { namespace: string } },
): Promise<ApiResponse> {
  return sendApiRequest(garden.admin, {
    method: 'POST',
    path: `/apis/core.gardener.cloud/v1beta1/namespaces/${shoot.metadata.namespace}/shoots`,
    body: shoot,
  });
}

/** Replaces a Shoot's spec and metadata through the API server (`kubectl replace`). */
export function updateShoot(
  garden: Garden,
  shoot: { metadata: { namespace: string; name: string } },
): Promise<ApiResponse> {
  return sendApiRequest(garden.admin, {
    method: 'PUT',
    path: `/apis/core.gardener.cloud/v1beta1/namespaces/${shoot.metadata.namespace}/shoots/${shoot.metadata.name}`,
    body: shoot,
  });
}

/** Writes a Shoot's status, as gardenlet does (the status subresource: never sent to the webhook). */
export function writeShootStatus(
  garden: Garden,
  shoot: { metadata: { namespace: string; name: string } },
  status: object,
): Promise<ApiResponse> {
  return sendApiRequest(garden.admin, {
    method: 'PATCH',
    path: `/apis/core.gardener.cloud/v1beta1/namespaces/${shoot.metadata.namespace}/shoots/${shoot.metadata.name}/status`,
    body: { status },
    contentType: 'application/merge-patch+json',
  });
}
