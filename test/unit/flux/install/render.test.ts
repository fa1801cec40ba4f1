import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../src/flux/install/manifest.js';
import {
  FluxInstallError,
  buildFluxInstallOptions,
  type FluxInstallationSpec,
} from '../../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../../src/flux/install/render.js';
import { readReleaseBundle, withFiles } from './release-bundle.js';

const bundle = readReleaseBundle();

function render(spec: FluxInstallationSpec = {}): Manifest[] {
  return renderInstallManifests(bundle, buildFluxInstallOptions(spec));
}

function find(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`${kind} ${name} not rendered`);
  return found;
}

interface DeploymentShape {
  spec: {
    template: {
      metadata: { labels: Record<string, string> };
      spec: { nodeSelector?: Record<string, string>; containers: { args: string[]; image: string }[] };
    };
  };
}

function podTemplate(manifests: Manifest[], name: string): DeploymentShape['spec']['template'] {
  return (find(manifests, 'Deployment', name) as unknown as DeploymentShape).spec.template;
}

function args(manifests: Manifest[], name: string): string[] {
  return podTemplate(manifests, name).spec.containers[0]?.args ?? [];
}

function renderError(spec: FluxInstallationSpec, source = bundle): FluxInstallError {
  try {
    renderInstallManifests(source, buildFluxInstallOptions(spec));
  } catch (err) {
    if (err instanceof FluxInstallError) return err;
    throw err;
  }
  throw new Error('rendering succeeded');
}

describe('renderInstallManifests', () => {
  it('renders the 32 objects of `flux install --export` for the defaults', () => {
    const manifests = render();
    const counts: Record<string, number> = {};
    for (const m of manifests) counts[m.kind] = (counts[m.kind] ?? 0) + 1;
    expect(counts).toEqual({
      Namespace: 1,
      ResourceQuota: 1,
      CustomResourceDefinition: 11,
      ServiceAccount: 4,
      ClusterRole: 3,
      ClusterRoleBinding: 2,
      Service: 3,
      Deployment: 4,
      NetworkPolicy: 3,
    });
  });

  it('orders Namespace, CRDs, cluster-scoped, then namespaced objects', () => {
    const kinds = [...new Set(render().map((m) => m.kind))];
    expect(kinds).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
      'ResourceQuota',
      'ServiceAccount',
      'Service',
      'Deployment',
      'NetworkPolicy',
    ]);
  });

  it('is deterministic whatever the component order in the bundle files', () => {
    const reversed = { ...bundle, files: Object.fromEntries(Object.entries(bundle.files).reverse()) };
    expect(renderInstallManifests(reversed, buildFluxInstallOptions())).toEqual(render());
  });

  it('renders each shoot from the bundle as it is, whatever an earlier render of it changed', () => {
    // A bundle object of its own, so that its parsed files are first parsed here.
    const fresh = { ...bundle };
    const defaults = renderInstallManifests({ ...bundle }, buildFluxInstallOptions());
    const changed = renderInstallManifests(
      fresh,
      buildFluxInstallOptions({ registry: 'registry.example/flux', tolerationKeys: ['gitops'] }),
    );
    for (const manifest of changed) manifest.metadata.name = 'changed-by-the-caller';
    expect(renderInstallManifests(fresh, buildFluxInstallOptions())).toEqual(defaults);
  });

  it('creates the namespace with the pod-security warn labels', () => {
    expect(find(render({ namespace: 'gitops' }), 'Namespace', 'gitops').metadata.labels).toEqual({
      'app.kubernetes.io/instance': 'gitops',
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/version': 'v2.9.2',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'latest',
    });
  });

  it('puts every namespaced object into the namespace and leaves cluster-scoped ones without', () => {
    const clusterScoped = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'];
    for (const m of render({ namespace: 'gitops' })) {
      expect(m.metadata.namespace, `${m.kind} ${m.metadata.name}`).toBe(
        clusterScoped.includes(m.kind) ? undefined : 'gitops',
      );
    }
  });

  it('labels every object and every Deployment pod template with instance, version and part-of', () => {
    const manifests = render({ namespace: 'gitops' });
    const expected = {
      'app.kubernetes.io/instance': 'gitops',
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/version': 'v2.9.2',
    };
    for (const m of manifests) expect(m.metadata.labels).toMatchObject(expected);
    for (const name of [
      'source-controller',
      'kustomize-controller',
      'helm-controller',
      'notification-controller',
    ]) {
      const labels = podTemplate(manifests, name).metadata.labels;
      expect(labels).toMatchObject({ ...expected, app: name });
    }
  });

  it('keeps the bundle labels next to ours', () => {
    expect(find(render(), 'Deployment', 'source-controller').metadata.labels).toEqual({
      'app.kubernetes.io/component': 'source-controller',
      'app.kubernetes.io/instance': 'flux-system',
      'app.kubernetes.io/part-of': 'flux',
      'app.kubernetes.io/version': 'v2.9.2',
      'control-plane': 'controller',
    });
  });

  it('selects linux nodes for every Deployment', () => {
    const manifests = render({ componentsExtra: ['image-reflector-controller'] });
    for (const m of manifests.filter((m) => m.kind === 'Deployment')) {
      expect(podTemplate(manifests, m.metadata.name).spec.nodeSelector).toEqual({
        'kubernetes.io/os': 'linux',
      });
    }
  });

  it('suffixes the RBAC objects with the namespace and follows the role reference', () => {
    const manifests = render({ namespace: 'gitops' });
    const names = manifests
      .filter((m) => ['ResourceQuota', 'ClusterRole', 'ClusterRoleBinding'].includes(m.kind))
      .map((m) => `${m.kind}/${m.metadata.name}`);
    expect(names).toEqual([
      'ClusterRole/crd-controller-gitops',
      'ClusterRole/flux-edit-gitops',
      'ClusterRole/flux-view-gitops',
      'ClusterRoleBinding/cluster-reconciler-gitops',
      'ClusterRoleBinding/crd-controller-gitops',
      'ResourceQuota/critical-pods-gitops',
    ]);
    expect(find(manifests, 'ClusterRoleBinding', 'crd-controller-gitops').roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'crd-controller-gitops',
    });
    // cluster-admin is not part of the bundle: its reference stays.
    expect(find(manifests, 'ClusterRoleBinding', 'cluster-reconciler-gitops').roleRef).toMatchObject({
      name: 'cluster-admin',
    });
  });

  it('replaces every flux-system subject namespace with the namespace', () => {
    const binding = find(render({ namespace: 'gitops' }), 'ClusterRoleBinding', 'crd-controller-gitops');
    const subjects = binding.subjects as { name: string; namespace: string }[];
    expect(subjects).toHaveLength(7);
    for (const subject of subjects) expect(subject.namespace).toBe('gitops');
    expect(JSON.stringify(render({ namespace: 'gitops' }))).not.toContain('flux-system');
  });

  it('includes the NetworkPolicies of policies.yaml', () => {
    const names = render()
      .filter((m) => m.kind === 'NetworkPolicy')
      .map((m) => m.metadata.name);
    expect(names).toEqual(['allow-egress', 'allow-scraping', 'allow-webhooks']);
  });

  it('patches the args of each default component as Flux does', () => {
    const manifests = render();
    const events = '--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./';
    expect(args(manifests, 'source-controller')).toEqual([
      events,
      '--watch-all-namespaces=true',
      '--log-level=info',
      '--log-encoding=json',
      '--enable-leader-election',
      '--storage-path=/data',
      '--storage-adv-addr=source-controller.$(RUNTIME_NAMESPACE).svc.cluster.local.',
    ]);
    for (const name of ['kustomize-controller', 'helm-controller']) {
      expect(args(manifests, name)).toEqual([
        events,
        '--watch-all-namespaces=true',
        '--log-level=info',
        '--log-encoding=json',
        '--enable-leader-election',
      ]);
    }
    expect(args(manifests, 'notification-controller')).toEqual([
      '--watch-all-namespaces=true',
      '--log-level=info',
      '--log-encoding=json',
      '--enable-leader-election',
    ]);
  });

  it('leaves the events address empty without notification-controller', () => {
    const manifests = render({ components: ['source-controller', 'kustomize-controller'] });
    expect(args(manifests, 'source-controller')[0]).toBe('--events-addr=');
    expect(args(manifests, 'kustomize-controller')[0]).toBe('--events-addr=');
  });

  it('patches source-watcher like source-controller and turns on ExternalArtifact for kustomize and helm', () => {
    const manifests = render({ componentsExtra: ['source-watcher'] });
    expect(args(manifests, 'source-watcher')).toEqual([
      '--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.cluster.local./',
      '--watch-all-namespaces=true',
      '--log-level=info',
      '--log-encoding=json',
      '--enable-leader-election',
      '--storage-path=/data',
      '--storage-adv-addr=source-watcher.$(RUNTIME_NAMESPACE).svc.cluster.local.',
    ]);
    expect(args(manifests, 'kustomize-controller').at(-1)).toBe('--feature-gates=ExternalArtifact=true');
    expect(args(manifests, 'helm-controller').at(-1)).toBe('--feature-gates=ExternalArtifact=true');
    expect(args(manifests, 'source-controller')).not.toContain('--feature-gates=ExternalArtifact=true');
    expect(args(render(), 'kustomize-controller')).not.toContain('--feature-gates=ExternalArtifact=true');
  });

  it.each([
    ['ghcr.io/fluxcd', 'ghcr.io/fluxcd/source-controller:v1.9.3'],
    [
      'registry.example.com:5000/mirror/flux',
      'registry.example.com:5000/mirror/flux/source-controller:v1.9.3',
    ],
    ['', 'fluxcd/source-controller:v1.9.3'],
  ])('rewrites images for registry %j', (registry, image) => {
    const manifests = render({ registry });
    expect(podTemplate(manifests, 'source-controller').spec.containers[0]?.image).toBe(image);
  });

  it('defaults the registry to ghcr.io/fluxcd', () => {
    expect(podTemplate(render(), 'helm-controller').spec.containers[0]?.image).toBe(
      'ghcr.io/fluxcd/helm-controller:v1.6.2',
    );
  });

  it('replaces the default components with `components` and appends `componentsExtra` once', () => {
    const manifests = render({
      components: ['source-controller', 'kustomize-controller'],
      componentsExtra: ['kustomize-controller', 'image-reflector-controller', 'image-reflector-controller'],
    });
    expect(manifests.filter((m) => m.kind === 'Deployment').map((m) => m.metadata.name)).toEqual([
      'image-reflector-controller',
      'kustomize-controller',
      'source-controller',
    ]);
    expect(manifests.filter((m) => m.kind === 'CustomResourceDefinition')).toHaveLength(9);
  });

  it('does not change its input bundle', () => {
    const copy = structuredClone(bundle.files);
    render({ namespace: 'gitops' });
    expect(bundle.files).toEqual(copy);
  });

  it.each([
    [{ version: 'latest' }, 'flux.version'],
    [{ version: '2.9.2' }, 'flux.version'],
    [{ namespace: '' }, 'flux.namespace'],
    [{ namespace: 'Flux_System' }, 'flux.namespace'],
    [{ registry: 'https://ghcr.io/fluxcd' }, 'flux.registry'],
    [{ registry: 'ghcr.io/fluxcd ' }, 'flux.registry'],
    [{ components: ['source-controller', 'foo-controller'] }, 'flux.components[1]'],
    [{ componentsExtra: ['Source-Controller'] }, 'flux.components[4]'],
  ] as [FluxInstallationSpec, string][])('rejects %j naming %s', (spec, field) => {
    expect(renderError(spec).field).toBe(field);
  });

  it('rejects a component missing from the release bundle, naming component and version', () => {
    const old = withFiles(bundle, { 'source-watcher.yaml': undefined });
    const err = renderError({ componentsExtra: ['source-watcher'] }, old);
    expect(err.field).toBe('flux.components');
    expect(err.message).toContain('"source-watcher" is not part of the Flux v2.9.2 release');
  });

  it('rejects a bundle without rbac.yaml', () => {
    expect(renderError({}, withFiles(bundle, { 'rbac.yaml': undefined })).message).toContain(
      'has no rbac.yaml',
    );
  });

  it('rejects a bundle of another version', () => {
    expect(renderError({}, { ...bundle, version: 'v2.8.0' }).message).toContain(
      'is for Flux v2.8.0, not v2.9.2',
    );
  });

  it('rejects invalid YAML and documents that are no Kubernetes objects, naming the file', () => {
    expect(renderError({}, withFiles(bundle, { 'policies.yaml': 'a: [' })).message).toMatch(
      /policies\.yaml is not valid YAML/,
    );
    expect(renderError({}, withFiles(bundle, { 'policies.yaml': '- 1\n' })).message).toContain(
      'policies.yaml document 1 is not a Kubernetes object',
    );
  });

  it('rejects a Deployment whose args moved, instead of patching the wrong flag', () => {
    const text = bundle.files['source-controller.yaml']?.replace(
      '- --storage-adv-addr=source-controller',
      '- --storage-addr=source-controller',
    );
    const err = renderError({}, withFiles(bundle, { 'source-controller.yaml': text }));
    expect(err.message).toContain('Deployment flux-system/source-controller has "--storage-addr=');
    expect(err.message).toContain('expected --storage-adv-addr');
  });

  it('rejects an object defined twice', () => {
    const twice = `${bundle.files['policies.yaml'] ?? ''}\n---\n${bundle.files['policies.yaml'] ?? ''}`;
    expect(renderError({}, withFiles(bundle, { 'policies.yaml': twice })).message).toContain(
      'defines NetworkPolicy flux-system/allow-egress twice',
    );
  });
});
