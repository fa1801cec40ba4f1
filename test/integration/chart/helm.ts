// Renders the chart with the Helm binary of the test assets (built from Go modules) and sends
// rendered objects to a real API server as server-side apply dry runs.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { testAssetVersions } from '../../harness/asset-versions.js';
import { assets, repoRoot, resolveAsset } from '../../harness/assets.js';
import { installCrds } from '../../harness/crd-install.js';
import { sendApiRequest, type ApiResponse } from '../support/api-request.js';

const execFileAsync = promisify(execFile);

/**
 * The landscape-wide Flux values both charts take (the controller's and the admission
 * webhook's), each set to a non-default value: the charts must pass them on as the same flags.
 */
export const landscapeFluxValues = {
  defaultRegistry: 'mirror.example/fluxcd',
  defaultComponents: ['source-controller', 'kustomize-controller'],
  defaultComponentsExtra: ['image-reflector-controller'],
  defaultImagePullSecret: 'flux-pull',
  enforceRegistry: 'mirror.example/fluxcd',
  allowedVersions: '>=2.6.0 <3.0.0',
};

/** The chart under test. */
export const chartDir = path.join(repoRoot, 'charts', 'gardener-extension-shoot-flux');

/** A rendered Kubernetes object, loosely typed: tests navigate it with expectations. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** The Helm binary (env TEST_ASSET_HELM, the asset cache, or `npm run test-assets`). */
export async function helmBinary(): Promise<string> {
  return (await resolveAsset(assets.helm, { lookOnly: true })).path;
}

/** Runs helm with the given arguments; rejects with helm's stderr. */
export async function runHelm(args: string[]): Promise<string> {
  const helm = await helmBinary();
  try {
    const { stdout } = await execFileAsync(helm, args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stderr, stdout } = err as { stderr?: string; stdout?: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: err });
  }
}

/** Runs a function with the values written to a temporary values file. */
async function withValuesFile<T>(values: object, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-chart-'));
  try {
    const file = path.join(dir, 'values.yaml');
    await writeFile(file, yaml.dump(values));
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The admission webhook's charts: the server (runtime cluster) and its registration (virtual garden). */
export const admissionChartDirs = {
  runtime: path.join(repoRoot, 'charts', 'gardener-extension-shoot-flux-admission', 'charts', 'runtime'),
  application: path.join(
    repoRoot,
    'charts',
    'gardener-extension-shoot-flux-admission',
    'charts',
    'application',
  ),
};

/** `helm lint --strict` of a chart (default the extension's) with the given values. */
export async function lintChart(values: object = {}, chart = chartDir): Promise<string> {
  return withValuesFile(values, (file) => runHelm(['lint', '--strict', chart, '--values', file]));
}

/** `helm template` of a chart (default the extension's) into a namespace; the rendered objects in order. */
export async function renderChart(
  namespace: string,
  values: object = {},
  chart = chartDir,
): Promise<RenderedObject[]> {
  const out = await withValuesFile(values, (file) =>
    runHelm(['template', 'shoot-flux', chart, '--namespace', namespace, '--values', file]),
  );
  return yaml.loadAll(out).filter((doc): doc is RenderedObject => typeof doc === 'object' && doc !== null);
}

/** The one rendered object of a kind (and name); throws when there is none or several. */
export function onlyObject(objects: RenderedObject[], kind: string, name?: string): RenderedObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  const [first] = found;
  if (found.length !== 1 || !first) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  }
  return first;
}

/**
 * A file of the pinned Gardener release from the Go module cache (downloaded through the Go
 * module proxy when missing): CRDs a seed or garden has that the shared test data lacks.
 */
export async function gardenerModuleFile(relative: string): Promise<string> {
  const { stdout } = await execFileAsync(
    'go',
    ['mod', 'download', '-json', `github.com/gardener/gardener@${testAssetVersions.gardener}`],
    { env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local', GOFLAGS: '-modcacherw' } },
  );
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(info.Error ?? 'go mod download returned no directory');
  return path.join(info.Dir, relative);
}

/**
 * A fresh namespace (`<prefix>-<random>`) for dry runs, in an API server that has the
 * VerticalPodAutoscaler CRD of the pinned Gardener release, as a seed or runtime cluster has.
 */
export async function prepareDryRunNamespace(kubeConfig: KubeConfig, prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomBytes(4).toString('hex')}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  const vpaCrd = await gardenerModuleFile(
    'example/seed-crds/10-crd-autoscaling.k8s.io_verticalpodautoscalers.yaml',
  );
  await installCrds(kubeConfig, [vpaCrd], 60_000);
  return namespace;
}

/** REST path segments of the kinds the chart and the examples hold, by `group/kind`. */
const resources: Record<string, { plural: string; namespaced: boolean }> = {
  '/ServiceAccount': { plural: 'serviceaccounts', namespaced: true },
  '/Service': { plural: 'services', namespaced: true },
  '/Secret': { plural: 'secrets', namespaced: true },
  '/ConfigMap': { plural: 'configmaps', namespaced: true },
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration': {
    plural: 'validatingwebhookconfigurations',
    namespaced: false,
  },
  'apps/Deployment': { plural: 'deployments', namespaced: true },
  'policy/PodDisruptionBudget': { plural: 'poddisruptionbudgets', namespaced: true },
  'rbac.authorization.k8s.io/Role': { plural: 'roles', namespaced: true },
  'rbac.authorization.k8s.io/RoleBinding': { plural: 'rolebindings', namespaced: true },
  'rbac.authorization.k8s.io/ClusterRole': { plural: 'clusterroles', namespaced: false },
  'rbac.authorization.k8s.io/ClusterRoleBinding': { plural: 'clusterrolebindings', namespaced: false },
  'autoscaling.k8s.io/VerticalPodAutoscaler': { plural: 'verticalpodautoscalers', namespaced: true },
  'operator.gardener.cloud/Extension': { plural: 'extensions', namespaced: false },
};

/** The REST path of an object (for kinds the chart and the examples hold). */
export function objectPath(object: RenderedObject): string {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0] : '';
  const resource = resources[`${group ?? ''}/${object.kind}`];
  if (!resource) throw new Error(`no REST path known for ${object.apiVersion} ${object.kind}`);
  const prefix = group ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const namespace = resource.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return `${prefix}${namespace}/${resource.plural}/${object.metadata.name}`;
}

/**
 * Sends an object as a server-side apply with strict field validation (a dry run unless told
 * otherwise), as raw JSON: client-node's typed models would drop fields, and the point is to let
 * the API server see exactly what Helm rendered.
 */
export async function applyObject(
  kubeConfig: KubeConfig,
  object: RenderedObject,
  options: { dryRun?: boolean } = {},
): Promise<ApiResponse> {
  return sendApiRequest(kubeConfig, {
    method: 'PATCH',
    path: objectPath(object),
    query: {
      ...(options.dryRun === false ? {} : { dryRun: 'All' }),
      fieldManager: 'chart-test',
      fieldValidation: 'Strict',
      force: 'true',
    },
    body: object,
    contentType: 'application/apply-patch+yaml',
  });
}

/** {@link applyObject} as a dry run: what the API server would store. */
export function applyDryRun(kubeConfig: KubeConfig, object: RenderedObject): Promise<ApiResponse> {
  return applyObject(kubeConfig, object);
}
