import { describe, expect, it } from 'vitest';
import type { FluxInstallPatch } from '../../../../src/api/types.js';
import { hashManifests } from '../../../../src/flux/install/hash.js';
import type { Manifest } from '../../../../src/flux/install/manifest.js';
import { buildFluxInstallOptions, FluxInstallError } from '../../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../../src/flux/install/render.js';
import { readReleaseBundle } from './release-bundle.js';

const bundle = readReleaseBundle();
const render = (patches: FluxInstallPatch[]) =>
  renderInstallManifests(bundle, buildFluxInstallOptions({ version: 'v2.9.2', patches }));

function deployment(manifests: Manifest[], name: string) {
  const found = manifests.find((m) => m.kind === 'Deployment' && m.metadata.name === name);
  return found as unknown as {
    metadata: { labels: Record<string, string> };
    spec: {
      replicas?: number;
      template: {
        spec: {
          containers: { name: string; args: string[]; env?: { name: string }[] }[];
          tolerations?: unknown[];
        };
      };
    };
  };
}

function renderError(patches: FluxInstallPatch[]): FluxInstallError {
  try {
    render(patches);
  } catch (err) {
    if (err instanceof FluxInstallError) return err;
    throw err;
  }
  throw new Error('rendered without error');
}

describe('flux.patches', () => {
  it('applies a JSON 6902 patch to every selected object and changes the install hash', () => {
    const patched = render([
      {
        target: { kind: 'Deployment', name: 'kustomize-controller|helm-controller' },
        patch: '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --concurrent=20\n',
      },
    ]);
    expect(deployment(patched, 'kustomize-controller').spec.template.spec.containers[0]?.args).toContain(
      '--concurrent=20',
    );
    expect(deployment(patched, 'helm-controller').spec.template.spec.containers[0]?.args).toContain(
      '--concurrent=20',
    );
    expect(deployment(patched, 'source-controller').spec.template.spec.containers[0]?.args).not.toContain(
      '--concurrent=20',
    );
    expect(hashManifests(patched)).not.toBe(hashManifests(render([])));
  });

  it('merges a strategic merge patch by merge keys, patch elements first, and replaces other lists', () => {
    const patched = render([
      {
        patch: [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: {name: source-controller, labels: {team: platform}}',
          'spec:',
          '  replicas: null',
          '  template:',
          '    spec:',
          '      tolerations: [{key: a, operator: Exists}]',
          '      containers:',
          '        - name: manager',
          '          env: [{name: HTTPS_PROXY, value: http://proxy:3128}]',
        ].join('\n'),
      },
    ]);
    const source = deployment(patched, 'source-controller');
    expect(source.metadata.labels.team).toBe('platform');
    expect(source.spec.replicas).toBeUndefined();
    expect(source.spec.template.spec.tolerations).toEqual([{ key: 'a', operator: 'Exists' }]);
    const env = source.spec.template.spec.containers[0]?.env?.map((e) => e.name);
    expect(env?.[0]).toBe('HTTPS_PROXY');
    expect(env).toContain('RUNTIME_NAMESPACE');
    expect(source.spec.template.spec.containers[0]?.args.length).toBeGreaterThan(3);
  });

  it.each([
    [[{ target: { kind: 'StatefulSet' }, patch: '- op: remove\n  path: /spec\n' }], 'targets no object'],
    [[{ patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nope}\n' }], 'targets no object'],
    [[{ target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /spec/nothing\n' }], 'cannot apply'],
    [[{ target: { kind: 'ServiceAccount' }, patch: 'metadata: {labels: {a: b}}\n' }], 'Deployments only'],
    [
      [{ target: { kind: 'Deployment' }, patch: '- op: remove\n  path: /kind\n' }],
      'without apiVersion, kind',
    ],
  ])('%j fails at flux.patches[0]: %s', (patches, problem) => {
    const error = renderError(patches);
    expect(error.field).toBe('flux.patches[0]');
    expect(error.message).toContain(problem);
  });

  it('names the failing patch by its index', () => {
    const error = renderError([
      { target: { kind: 'Deployment' }, patch: '[]' },
      { target: { kind: 'Nothing' }, patch: '[]' },
    ]);
    expect(error.field).toBe('flux.patches[1]');
  });
});

describe('install options without patches', () => {
  it('leaves out the NetworkPolicies and sets the flags and pod spec fields', () => {
    const manifests = renderInstallManifests(
      bundle,
      buildFluxInstallOptions({
        networkPolicy: false,
        logLevel: 'error',
        watchAllNamespaces: false,
        clusterDomain: 'example.local',
        tolerationKeys: ['a'],
        imagePullSecret: 'regcred',
      }),
    );
    expect(manifests.some((m) => m.kind === 'NetworkPolicy')).toBe(false);
    const source = deployment(manifests, 'source-controller').spec.template.spec as unknown as {
      containers: { args: string[] }[];
      imagePullSecrets: unknown[];
      tolerations: unknown[];
    };
    expect(source.containers[0]?.args.slice(0, 3)).toEqual([
      '--events-addr=http://notification-controller.$(RUNTIME_NAMESPACE).svc.example.local./',
      '--watch-all-namespaces=false',
      '--log-level=error',
    ]);
    expect(source.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(source.tolerations).toEqual([{ key: 'a', operator: 'Exists' }]);
  });
});
