// The admission webhook's two charts: lint, render, exact RBAC and webhook registration, a value
// for every flag, the operator example's values, and every object accepted by a real API server.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeNamespace } from '../../harness/namespace-removal.js';
import { buildProgram } from '../../../src/cli/program.js';
import { repoRoot } from '../../harness/assets.js';
import { clusterKubeConfig } from '../support/clusters.js';
import {
  admissionChartDirs,
  applyDryRun,
  lintChart,
  prepareDryRunNamespace,
  onlyObject,
  renderChart,
  type RenderedObject,
  landscapeFluxValues,
} from './helm.js';

const caBundle = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
/** The least the charts need: a serving certificate and the CA the API server trusts. */
const minimal = { webhookConfig: { tls: { secretName: 'webhook-tls' }, caBundle } };

const everythingSet = {
  image: { repository: 'registry.example/shoot-flux', tag: 'v9.9.9', pullPolicy: 'Always' },
  imagePullSecrets: [{ name: 'pull' }],
  replicaCount: 3,
  webhookConfig: {
    serverPort: 9443,
    servicePort: 8443,
    tls: { crt: 'CERT', key: 'KEY' },
    caBundle,
    url: 'https://webhook.example:8443/',
    failurePolicy: 'Ignore',
    timeoutSeconds: 5,
  },
  gardenKubeconfigSecretName: 'garden-kubeconfig',
  logLevel: 'debug',
  logFormat: 'text',
  metricsPort: 9090,
  healthPort: 9091,
  extraArgs: ['--log-level=warn'],
  extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }],
  podLabels: { team: 'gitops' },
  podAnnotations: { note: 'yes' },
  flux: {
    defaultVersion: 'v2.8.0',
    ...landscapeFluxValues,
  },
  runtimeNamespace: 'runtime-garden',
  gardener: {
    runtimeCluster: { priorityClassName: 'gardener-garden-system-400' },
    virtualCluster: {
      enabled: true,
      namespace: 'extension-shoot-flux',
      serviceAccount: { name: 'extension-shoot-flux', namespace: 'kube-system' },
    },
  },
};

interface Container {
  args: string[];
  env?: unknown[];
  ports: unknown[];
  livenessProbe: unknown;
  readinessProbe: unknown;
  securityContext: unknown;
  volumeMounts: unknown[];
  image: string;
}
interface Pod {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    volumes: unknown[];
    priorityClassName?: string;
    serviceAccountName: string;
    automountServiceAccountToken: boolean;
    securityContext: unknown;
  };
}

function pod(objects: RenderedObject[]): Pod {
  return (onlyObject(objects, 'Deployment').spec as { template: Pod }).template;
}
function container(objects: RenderedObject[]): Container {
  const [first] = pod(objects).spec.containers;
  if (!first) throw new Error('no container');
  return first;
}

const runtimeNamespace = 'garden';
const virtualNamespace = 'extension-shoot-flux';
const renderRuntime = (values: object = minimal) =>
  renderChart(runtimeNamespace, values, admissionChartDirs.runtime);
const renderApplication = (values: object = minimal) =>
  renderChart(virtualNamespace, values, admissionChartDirs.application);

describe('admission charts', () => {
  it('pass helm lint --strict with the least values and with every value set', async () => {
    for (const chart of Object.values(admissionChartDirs)) {
      await expect(lintChart(minimal, chart)).resolves.toContain('0 chart(s) failed');
      await expect(lintChart(everythingSet, chart)).resolves.toContain('0 chart(s) failed');
    }
  });

  it('refuse to render without a serving certificate or CA bundle, and bad values, naming them', async () => {
    await expect(renderRuntime({})).rejects.toThrow(
      /webhookConfig\.tls: set secretName .* or both crt and key/,
    );
    await expect(renderApplication({})).rejects.toThrow(/webhookConfig\.caBundle .* is required/);
    await expect(
      renderApplication({ webhookConfig: { ...minimal.webhookConfig, failurePolicy: 'Sometimes' } }),
    ).rejects.toThrow(/\/webhookConfig\/failurePolicy/);
    await expect(renderRuntime({ ...minimal, logFormat: 'xml' })).rejects.toThrow(/\/logFormat/);
  });

  it("reject unknown keys, but accept each other's (gardener-operator renders both with the same values)", async () => {
    for (const chart of Object.values(admissionChartDirs)) {
      await expect(lintChart({ ...minimal, replicas: 3 }, chart), chart).rejects.toThrow(
        /'replicas' not allowed/,
      );
      await expect(
        lintChart({ ...minimal, webhookConfig: { ...minimal.webhookConfig, failurePolicyy: 'Fail' } }, chart),
        chart,
      ).rejects.toThrow(/'failurePolicyy' not allowed/);
      await expect(lintChart({ ...minimal, image: { repo: 'x' } }, chart), chart).rejects.toThrow(
        /'repo' not allowed/,
      );
      // The operator's own keys under `gardener` stay open: they vary by Gardener release.
      await expect(
        lintChart({ ...everythingSet, gardener: { ...everythingSet.gardener, futureKey: {} } }, chart),
      ).resolves.toContain('0 chart(s) failed');
    }
  });

  describe('runtime', () => {
    it('renders the webhook server objects', async () => {
      const objects = await renderRuntime();
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'Deployment/gardener-extension-shoot-flux-admission',
        'PodDisruptionBudget/gardener-extension-shoot-flux-admission',
        'Service/gardener-extension-shoot-flux-admission',
        'ServiceAccount/gardener-extension-shoot-flux-admission',
        'VerticalPodAutoscaler/gardener-extension-shoot-flux-admission',
      ]);
      for (const object of objects) expect(object.metadata.namespace, object.kind).toBe(runtimeNamespace);
    });

    it('runs `admission` with the default flags, probes, ports, network labels and a locked-down context', async () => {
      const objects = await renderRuntime();
      const main = container(objects);
      expect(main.image).toBe('gardener-extension-shoot-flux:0.1.0');
      expect(main.args).toEqual([
        'admission',
        '--webhook-config-server-port=10250',
        '--webhook-config-cert-dir=/etc/gardener-extension-shoot-flux-admission/tls',
        '--metrics-bind-address=:8080',
        '--health-bind-address=:8081',
        '--log-level=info',
        '--log-format=json',
      ]);
      expect(main.ports).toEqual([
        { name: 'webhook', containerPort: 10250, protocol: 'TCP' },
        { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
        { name: 'health', containerPort: 8081, protocol: 'TCP' },
      ]);
      expect(main.livenessProbe).toMatchObject({
        httpGet: { path: '/healthz', port: 'health', scheme: 'HTTP' },
      });
      expect(main.readinessProbe).toMatchObject({
        httpGet: { path: '/readyz', port: 'health', scheme: 'HTTP' },
      });
      expect(main.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(main.volumeMounts).toEqual([
        { name: 'tls', mountPath: '/etc/gardener-extension-shoot-flux-admission/tls', readOnly: true },
      ]);
      const template = pod(objects);
      expect(template.spec.volumes).toEqual([
        {
          name: 'tls',
          secret: {
            secretName: 'webhook-tls',
            items: [
              { key: 'tls.crt', path: 'tls.crt' },
              { key: 'tls.key', path: 'tls.key' },
            ],
          },
        },
      ]);
      expect(template.spec).toMatchObject({
        automountServiceAccountToken: false,
        serviceAccountName: 'gardener-extension-shoot-flux-admission',
        securityContext: { runAsNonRoot: true, runAsUser: 65532 },
      });
      expect(template.spec.priorityClassName).toBeUndefined();
      expect(template.metadata.labels).toMatchObject({
        'networking.gardener.cloud/to-dns': 'allowed',
        'networking.resources.gardener.cloud/to-virtual-garden-kube-apiserver-tcp-443': 'allowed',
      });
      expect(onlyObject(objects, 'Deployment').metadata.labels).toMatchObject({
        'high-availability-config.resources.gardener.cloud/type': 'server',
      });
      const service = onlyObject(objects, 'Service');
      expect(service.metadata).toMatchObject({
        annotations: {
          'networking.resources.gardener.cloud/from-all-webhook-targets-allowed-ports':
            '[{"protocol":"TCP","port":10250}]',
          'networking.resources.gardener.cloud/from-all-garden-scrape-targets-allowed-ports':
            '[{"protocol":"TCP","port":8080}]',
        },
      });
      expect(service.spec).toMatchObject({
        ports: [
          { name: 'webhook', port: 443, targetPort: 'webhook' },
          { name: 'metrics', port: 8080, targetPort: 'metrics' },
        ],
      });
      expect(onlyObject(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    });

    it('has a value for every flag of admission, and uses the values Gardener injects', async () => {
      const objects = await renderRuntime(everythingSet);
      const main = container(objects);
      const admission = buildProgram().commands.find((c) => c.name() === 'admission');
      const flags = (admission?.options ?? []).map((o) => o.long).filter((f): f is string => f !== undefined);
      const rendered = new Set(main.args.map((a) => a.split('=')[0]));
      // The pod listens on every address; the host flag is for running outside a cluster.
      expect(flags.filter((f) => f !== '--webhook-config-server-host' && !rendered.has(f))).toEqual([]);
      expect(main.args).toEqual(
        expect.arrayContaining([
          '--webhook-config-server-port=9443',
          '--kubeconfig=/etc/gardener-extension-shoot-flux-admission/garden/kubeconfig',
          '--metrics-bind-address=:9090',
          '--health-bind-address=:9091',
          '--log-level=debug',
          '--log-format=text',
          '--default-flux-version=v2.8.0',
          '--default-flux-registry=mirror.example/fluxcd',
          '--default-flux-components=source-controller,kustomize-controller',
          '--default-flux-components-extra=image-reflector-controller',
          '--default-flux-image-pull-secret=flux-pull',
          '--enforce-flux-registry=mirror.example/fluxcd',
          '--allowed-flux-versions=>=2.6.0 <3.0.0',
        ]),
      );
      expect(main.args.at(-1)).toBe('--log-level=warn');
      // Unset landscape values pass no flag: the webhook then judges with the built-in defaults.
      const plain = container(await renderRuntime()).args;
      expect(plain.filter((a) => /^--(default|enforce|allowed)-flux/.test(a))).toEqual([]);
      expect(main.image).toBe('registry.example/shoot-flux:v9.9.9');
      expect(main.env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }]);
      const template = pod(objects);
      expect(template.spec.priorityClassName).toBe('gardener-garden-system-400');
      expect(template.metadata.labels.team).toBe('gitops');
      // The chart writes the certificate Secret, and a new one rolls the pods.
      const secret = onlyObject(objects, 'Secret');
      expect(secret).toMatchObject({
        metadata: { name: 'gardener-extension-shoot-flux-admission-tls' },
        type: 'kubernetes.io/tls',
        data: {
          'tls.crt': Buffer.from('CERT').toString('base64'),
          'tls.key': Buffer.from('KEY').toString('base64'),
        },
      });
      expect(template.metadata.annotations?.['checksum/secret-tls']).toMatch(/^[0-9a-f]{64}$/);
      expect(template.metadata.annotations?.note).toBe('yes');
      expect(onlyObject(objects, 'Service').spec).toMatchObject({ ports: [{ port: 8443 }, { port: 9090 }] });
    });

    it('renders the PodDisruptionBudget only for more than one replica, the VPA only when enabled', async () => {
      const single = await renderRuntime({ ...minimal, replicaCount: 1, vpa: { enabled: false } });
      expect(single.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
      expect(single.map((o) => o.kind)).not.toContain('VerticalPodAutoscaler');
    });
  });

  describe('application', () => {
    it('registers the webhook for shoot-flux Shoots only, with failurePolicy, no side effects and a timeout', async () => {
      const objects = await renderApplication();
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
        'ClusterRole/gardener-extension-shoot-flux-admission',
        'ClusterRoleBinding/gardener-extension-shoot-flux-admission',
        'ServiceAccount/gardener-extension-shoot-flux-admission',
        'ValidatingWebhookConfiguration/gardener-extension-shoot-flux-admission',
      ]);
      expect(onlyObject(objects, 'ValidatingWebhookConfiguration').webhooks).toEqual([
        {
          name: 'validation.shoot-flux.extensions.gardener.cloud',
          admissionReviewVersions: ['v1'],
          clientConfig: {
            url: 'https://gardener-extension-shoot-flux-admission.garden:443/webhooks/validate-shoot',
            caBundle: Buffer.from(caBundle).toString('base64'),
          },
          rules: [
            {
              apiGroups: ['core.gardener.cloud'],
              apiVersions: ['v1beta1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['shoots'],
              scope: 'Namespaced',
            },
          ],
          objectSelector: { matchLabels: { 'extensions.extensions.gardener.cloud/shoot-flux': 'true' } },
          matchPolicy: 'Equivalent',
          failurePolicy: 'Fail',
          sideEffects: 'None',
          timeoutSeconds: 10,
        },
      ]);
    });

    it('grants exactly a GET on secrets, to its own or to the ServiceAccount gardener-operator names', async () => {
      const objects = await renderApplication();
      expect(onlyObject(objects, 'ClusterRole').rules).toEqual([
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      ]);
      expect(onlyObject(objects, 'ClusterRoleBinding').subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: 'gardener-extension-shoot-flux-admission',
          namespace: virtualNamespace,
        },
      ]);
      const operated = await renderApplication(everythingSet);
      expect(operated.map((o) => o.kind)).not.toContain('ServiceAccount');
      expect(onlyObject(operated, 'ClusterRoleBinding').subjects).toEqual([
        { kind: 'ServiceAccount', name: 'extension-shoot-flux', namespace: 'kube-system' },
      ]);
      expect(onlyObject(operated, 'ValidatingWebhookConfiguration').webhooks).toMatchObject([
        {
          clientConfig: { url: 'https://webhook.example:8443/webhooks/validate-shoot' },
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
        },
      ]);
    });
  });

  it('render with the admission values of the operator Extension example', async () => {
    const text = await readFile(path.join(repoRoot, 'example', '20-operator-extension.yaml'), 'utf8');
    const extension = yaml.load(text) as { spec: { deployment: { admission: { values: object } } } };
    const { values } = extension.spec.deployment.admission;
    expect(container(await renderRuntime(values)).image).toBe(
      'registry.example.com/gardener-extension-shoot-flux:0.1.0',
    );
    expect(onlyObject(await renderApplication(values), 'ValidatingWebhookConfiguration')).toBeDefined();
  });

  describe('against a real API server (server-side apply, dry run, strict field validation)', () => {
    const kubeConfig = clusterKubeConfig('seed');
    let namespace: string;

    beforeAll(async () => {
      namespace = await prepareDryRunNamespace(kubeConfig, 'extension-shoot-flux-admission');
    });
    afterAll(async () => {
      await removeNamespace(kubeConfig, namespace);
    });

    it.each([
      ['the least values', minimal],
      ['every value set', everythingSet],
    ])('accepts every rendered object of both charts with %s, unchanged', async (_name, values) => {
      const objects = [
        ...(await renderChart(namespace, values, admissionChartDirs.runtime)),
        ...(await renderChart(namespace, values, admissionChartDirs.application)),
      ];
      for (const object of objects) {
        const response = await applyDryRun(kubeConfig, object);
        expect(response.status, `${object.kind}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
        expect(response.body, object.kind).toMatchObject({
          kind: object.kind,
          ...('spec' in object ? { spec: object.spec } : {}),
          ...('webhooks' in object ? { webhooks: object.webhooks } : {}),
          ...('rules' in object ? { rules: object.rules } : {}),
        });
      }
    });
  });
});
