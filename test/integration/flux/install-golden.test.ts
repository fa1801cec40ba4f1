// Golden comparisons against the real tools: `renderInstallManifests` against the real Flux CLI's
// `flux install --export` for each install option, and `flux.patches` against `kustomize build`
// of the same patches on the same install set. Both binaries are built from their Go modules
// (test/harness/flux-cli.ts, test/harness/assets.ts) and cached.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FluxInstallPatch } from '../../../src/api/types.js';
import type { FluxReleaseBundle } from '../../../src/flux/install/bundle.js';
import type { Manifest } from '../../../src/flux/install/manifest.js';
import { buildFluxInstallOptions, type FluxInstallationSpec } from '../../../src/flux/install/options.js';
import { renderInstallManifests } from '../../../src/flux/install/render.js';
import { assets, resolveAsset } from '../../harness/assets.js';
import { fluxReleases } from '../../harness/asset-versions.js';
import { readBundleDir, resolveFluxBundle } from '../../harness/flux-bundles.js';
import { resolveFluxCli } from '../../harness/flux-cli.js';

const run = promisify(execFile);
const version = fluxReleases.current.version;
const progress = (line: string) => process.stderr.write(`[install-golden] ${line}\n`);

function parseObjects(text: string): Manifest[] {
  return yaml
    .loadAll(text, null, { schema: yaml.CORE_SCHEMA })
    .filter((d): d is Manifest => d !== null && d !== undefined);
}

/** Objects keyed by apiVersion, kind, namespace and name, as JSON (key order does not matter). */
function byIdentity(objects: readonly Manifest[]): Map<string, unknown> {
  const keyed = new Map<string, unknown>();
  for (const object of objects) {
    const key = `${object.apiVersion} ${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    keyed.set(key, JSON.parse(JSON.stringify(object)));
  }
  return keyed;
}

/** Object-by-object equality, so a failure names the object that differs. */
function expectSameObjects(actual: readonly Manifest[], expected: readonly Manifest[]): void {
  const ours = byIdentity(actual);
  const theirs = byIdentity(expected);
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  for (const [key, object] of theirs) expect({ key, object: ours.get(key) }).toEqual({ key, object });
}

let bundle: FluxReleaseBundle;
let fluxCli: string;
let kustomize: string;
let workDir: string;

beforeAll(async () => {
  const resolved = await resolveFluxBundle(fluxReleases.current, { progress });
  bundle = { version, files: await readBundleDir(resolved.dir), source: resolved.dir };
  fluxCli = await resolveFluxCli(version, progress);
  kustomize = (await resolveAsset(assets.kustomize, { progress })).path;
  workDir = mkdtempSync(path.join(tmpdir(), 'install-golden-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

async function fluxInstallExport(flags: readonly string[]): Promise<Manifest[]> {
  const { stdout } = await run(fluxCli, ['install', '--export', ...flags], {
    maxBuffer: 64 * 1024 * 1024,
    // No kubeconfig is read for --export; keep the machine's out of it all the same.
    env: { ...process.env, KUBECONFIG: path.join(workDir, 'no-kubeconfig') },
  });
  return parseObjects(stdout);
}

describe('renderInstallManifests equals the real flux install --export', () => {
  const cases: { name: string; flags: string[]; spec: FluxInstallationSpec }[] = [
    { name: 'defaults', flags: [], spec: {} },
    { name: '--network-policy=false', flags: ['--network-policy=false'], spec: { networkPolicy: false } },
    {
      name: '--cluster-domain=example.local',
      flags: ['--cluster-domain=example.local'],
      spec: { clusterDomain: 'example.local' },
    },
    { name: '--log-level=debug', flags: ['--log-level=debug'], spec: { logLevel: 'debug' } },
    {
      name: '--watch-all-namespaces=false',
      flags: ['--watch-all-namespaces=false'],
      spec: { watchAllNamespaces: false },
    },
    { name: '--toleration-keys=a,b', flags: ['--toleration-keys=a,b'], spec: { tolerationKeys: ['a', 'b'] } },
    {
      name: '--image-pull-secret=regcred',
      flags: ['--image-pull-secret=regcred'],
      spec: { imagePullSecret: 'regcred' },
    },
    {
      name: '--registry + --components-extra',
      flags: [
        '--registry=registry.example.com:5000/mirror/fluxcd',
        '--components-extra=image-reflector-controller,image-automation-controller,source-watcher',
      ],
      spec: {
        registry: 'registry.example.com:5000/mirror/fluxcd',
        componentsExtra: ['image-reflector-controller', 'image-automation-controller', 'source-watcher'],
      },
    },
    {
      name: 'everything at once, another namespace',
      flags: [
        '--namespace=gitops',
        '--network-policy=false',
        '--cluster-domain=example.local',
        '--log-level=error',
        '--watch-all-namespaces=false',
        '--toleration-keys=node-role.kubernetes.io/flux,dedicated',
        '--image-pull-secret=regcred',
        '--components=source-controller,kustomize-controller',
      ],
      spec: {
        namespace: 'gitops',
        networkPolicy: false,
        clusterDomain: 'example.local',
        logLevel: 'error',
        watchAllNamespaces: false,
        tolerationKeys: ['node-role.kubernetes.io/flux', 'dedicated'],
        imagePullSecret: 'regcred',
        components: ['source-controller', 'kustomize-controller'],
      },
    },
  ];

  it.each(cases)('$name', async ({ flags, spec }) => {
    const expected = await fluxInstallExport(flags);
    const actual = renderInstallManifests(bundle, buildFluxInstallOptions({ version, ...spec }));
    expectSameObjects(actual, expected);
  });
});

describe('flux.patches equal kustomize build of the same patches', () => {
  const cases: { name: string; patches: FluxInstallPatch[] }[] = [
    {
      name: 'tolerations and resources on every Deployment (strategic merge with target)',
      patches: [
        {
          target: { kind: 'Deployment' },
          patch: [
            'apiVersion: apps/v1',
            'kind: Deployment',
            'metadata:',
            '  name: all',
            'spec:',
            '  template:',
            '    spec:',
            '      tolerations:',
            '        - key: dedicated',
            '          operator: Equal',
            '          value: flux',
            '          effect: NoSchedule',
            '      containers:',
            '        - name: manager',
            '          resources:',
            '            limits:',
            '              memory: 2Gi',
            '            requests:',
            '              cpu: 200m',
          ].join('\n'),
        },
      ],
    },
    {
      name: 'proxy env, a volume and its mount on one controller (strategic merge naming its object)',
      patches: [
        {
          patch: [
            'apiVersion: apps/v1',
            'kind: Deployment',
            'metadata:',
            '  name: source-controller',
            '  namespace: flux-system',
            '  labels:',
            '    team: platform',
            'spec:',
            '  template:',
            '    spec:',
            '      nodeSelector:',
            '        pool: system',
            '      containers:',
            '        - name: manager',
            '          env:',
            '            - name: HTTPS_PROXY',
            '              value: http://proxy.example:3128',
            '            - name: RUNTIME_NAMESPACE',
            '              value: overridden',
            '          volumeMounts:',
            '            - name: ca',
            '              mountPath: /etc/ssl/extra',
            '      volumes:',
            '        - name: ca',
            '          configMap:',
            '            name: extra-ca',
          ].join('\n'),
        },
      ],
    },
    {
      name: '--concurrent by label selector and a label by annotation selector (JSON 6902)',
      patches: [
        {
          target: {
            kind: 'Deployment',
            labelSelector: 'app.kubernetes.io/component in (kustomize-controller,helm-controller)',
          },
          patch: '- op: add\n  path: /spec/template/spec/containers/0/args/-\n  value: --concurrent=20\n',
        },
        {
          target: {
            group: 'apiextensions.k8s.io',
            annotationSelector: 'controller-gen.kubebuilder.io/version',
          },
          patch: '[{"op": "add", "path": "/metadata/labels/backup", "value": "crd"}]',
        },
        {
          target: { kind: 'Deployment', name: 'helm-.*' },
          patch: '- op: remove\n  path: /spec/template/spec/containers/0/livenessProbe\n',
        },
      ],
    },
  ];

  it.each(cases)('$name', async ({ patches }) => {
    const base = renderInstallManifests(bundle, buildFluxInstallOptions({ version }));
    const dir = mkdtempSync(path.join(workDir, 'kustomize-'));
    // JSON documents (valid YAML): a YAML dump would reflow the CRDs' long descriptions.
    writeFileSync(
      path.join(dir, 'gotk-components.yaml'),
      base.map((m) => `---\n${JSON.stringify(m)}\n`).join(''),
    );
    writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      yaml.dump({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['gotk-components.yaml'],
        patches,
      }),
    );
    const { stdout } = await run(kustomize, ['build', dir], { maxBuffer: 64 * 1024 * 1024 });
    const actual = renderInstallManifests(bundle, buildFluxInstallOptions({ version, patches }));
    expectSameObjects(actual, parseObjects(stdout));
  });
});
