import { describe, expect, it } from 'vitest';
import { evaluateFluxConfig } from '../../../src/api/evaluate.js';
import type { NamedResourceReference } from '../../../src/api/types.js';

type Config = Record<string, unknown> & {
  flux?: Record<string, unknown>;
  source?: Record<string, unknown> & { template?: unknown };
  kustomization?: Record<string, unknown> & { template?: unknown };
};
type Template = Record<string, unknown> & {
  metadata?: Record<string, unknown>;
  spec: Record<string, unknown>;
};

const gitTemplate = (): Template => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  spec: { url: 'https://github.com/org/repo', ref: { branch: 'main' } },
});
const ociTemplate = (): Template => ({
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'OCIRepository',
  spec: { url: 'oci://ghcr.io/org/manifests', ref: { tag: 'latest' } },
});
const kustomizationTemplate = (): Template => ({ spec: { path: 'clusters/production' } });

/** A valid providerConfig with a Git source; `mutate` changes one thing. */
function configWith(
  mutate: (config: Config, source: Template, kustomization: Template) => void = () => undefined,
) {
  const source = gitTemplate();
  const kustomization = kustomizationTemplate();
  const config: Config = {
    apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
    kind: 'FluxConfig',
    source: { template: source },
    kustomization: { template: kustomization },
  };
  mutate(config, source, kustomization);
  return config;
}
const ociConfigWith = (mutate: (config: Config, source: Template) => void) =>
  configWith((config, _, kustomization) => {
    const source = ociTemplate();
    config.source = { template: source };
    config.kustomization = { template: kustomization };
    mutate(config, source);
  });

const shootResources: NamedResourceReference[] = [
  { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'my-git-secret' } },
  { name: 'extra', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'extra-secret' } },
  { name: 'other', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'other-secret' } },
  { name: 'settings', resourceRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' } },
];

function findings(config: unknown, resources?: NamedResourceReference[]) {
  const result = evaluateFluxConfig(config, resources ? { shootResources: resources } : {});
  return result.errors.map((e) => [e.type, e.field]);
}

interface Case {
  name: string;
  config: unknown;
  resources?: NamedResourceReference[];
  errors: string[][];
}

const R = 'FieldValueRequired';
const I = 'FieldValueInvalid';
const N = 'FieldValueNotSupported';
const D = 'FieldValueDuplicate';

const cases: Case[] = [
  // the providerConfig itself
  { name: 'a complete valid config', config: configWith(), errors: [] },
  { name: 'neither source nor kustomization', config: {}, errors: [] },
  { name: 'no providerConfig at all', config: undefined, errors: [] },
  { name: 'a null providerConfig', config: null, errors: [] },
  {
    name: 'no apiVersion and kind (implied)',
    config: configWith((c) => {
      delete c.apiVersion;
      delete c.kind;
    }),
    errors: [],
  },
  {
    name: 'a wrong apiVersion',
    config: configWith((c) => (c.apiVersion = 'flux.extensions.gardener.cloud/v1')),
    errors: [[N, 'apiVersion']],
  },
  { name: 'a wrong kind', config: configWith((c) => (c.kind = 'FluxConfiguration')), errors: [[N, 'kind']] },
  { name: 'a providerConfig that is not an object', config: 'flux', errors: [[I, '']] },
  { name: 'a field of the wrong type', config: { flux: { version: 2 } }, errors: [[I, 'flux.version']] },
  {
    name: 'components that are not a list',
    config: { flux: { components: 'source-controller' } },
    errors: [[I, 'flux.components']],
  },
  // flux.version
  { name: 'version v2.0.0', config: { flux: { version: 'v2.0.0' } }, errors: [] },
  { name: 'version without v', config: { flux: { version: '2.9.2' } }, errors: [[I, 'flux.version']] },
  { name: 'version latest', config: { flux: { version: 'latest' } }, errors: [[I, 'flux.version']] },
  { name: 'version below v2.0.0', config: { flux: { version: 'v1.9.0' } }, errors: [[I, 'flux.version']] },
  {
    name: 'version with a pre-release',
    config: { flux: { version: 'v2.7.0-rc.1' } },
    errors: [[I, 'flux.version']],
  },
  { name: 'empty version', config: { flux: { version: '' } }, errors: [[I, 'flux.version']] },
  // flux.namespace
  { name: 'a custom namespace', config: { flux: { namespace: 'my-flux' } }, errors: [] },
  {
    name: 'an invalid namespace',
    config: { flux: { namespace: 'Flux_System' } },
    errors: [[I, 'flux.namespace']],
  },
  { name: 'an empty namespace', config: { flux: { namespace: '' } }, errors: [[I, 'flux.namespace']] },
  {
    name: 'a subdomain namespace',
    config: { flux: { namespace: 'flux.system' } },
    errors: [[I, 'flux.namespace']],
  },
  // flux.components
  {
    name: 'required components split over both lists',
    config: { flux: { components: ['kustomize-controller'], componentsExtra: ['source-controller'] } },
    errors: [],
  },
  {
    name: 'components without source-controller',
    config: { flux: { components: ['kustomize-controller'] } },
    errors: [[I, 'flux.components']],
  },
  {
    name: 'components without both required ones',
    config: { flux: { components: ['helm-controller'] } },
    errors: [
      [I, 'flux.components'],
      [I, 'flux.components'],
    ],
  },
  {
    name: 'componentsExtra alone keeps the defaults',
    config: { flux: { componentsExtra: ['source-watcher'] } },
    errors: [],
  },
  {
    name: 'an unknown component',
    config: { flux: { components: ['source-controller', 'kustomize-controller', 'foo-controller'] } },
    errors: [[N, 'flux.components[2]']],
  },
  {
    name: 'an unknown extra component',
    config: { flux: { componentsExtra: ['bar'] } },
    errors: [[N, 'flux.componentsExtra[0]']],
  },
  // source and kustomization come together
  {
    name: 'a source without kustomization',
    config: configWith((c) => delete c.kustomization),
    errors: [[I, 'kustomization']],
  },
  {
    name: 'a kustomization without source',
    config: configWith((c) => delete c.source),
    errors: [[I, 'source']],
  },
  {
    name: 'a source without template',
    config: configWith((c) => (c.source = {})),
    errors: [[R, 'source.template']],
  },
  {
    name: 'a kustomization without template',
    config: configWith((c) => (c.kustomization = {})),
    errors: [[R, 'kustomization.template']],
  },
  // decoding the source template
  {
    name: 'a template that is not an object',
    config: configWith((c) => (c.source = { template: 'git' })),
    errors: [[I, 'source.template']],
  },
  {
    name: 'a template that is a list',
    config: configWith((c) => (c.source = { template: [] })),
    errors: [[I, 'source.template']],
  },
  {
    name: 'a legacy template',
    config: configWith((_, s) => {
      delete s.apiVersion;
      delete s.kind;
    }),
    errors: [],
  },
  {
    name: 'apiVersion without kind',
    config: configWith((_, s) => delete s.kind),
    errors: [[R, 'source.template.kind']],
  },
  {
    name: 'kind without apiVersion',
    config: configWith((_, s) => delete s.apiVersion),
    errors: [[R, 'source.template.apiVersion']],
  },
  {
    name: 'a Bucket',
    config: configWith((_, s) => (s.kind = 'Bucket')),
    errors: [[N, 'source.template.kind']],
  },
  {
    name: 'a HelmRepository',
    config: configWith((_, s) => (s.kind = 'HelmRepository')),
    errors: [[N, 'source.template.kind']],
  },
  {
    name: 'a v1beta2 GitRepository',
    config: configWith((_, s) => (s.apiVersion = 'source.toolkit.fluxcd.io/v1beta2')),
    errors: [[N, 'source.template.apiVersion']],
  },
  {
    name: 'a v1beta2 OCIRepository',
    config: ociConfigWith((_, s) => (s.apiVersion = 'source.toolkit.fluxcd.io/v1beta2')),
    errors: [],
  },
  {
    name: 'a v1beta1 OCIRepository',
    config: ociConfigWith((_, s) => (s.apiVersion = 'source.toolkit.fluxcd.io/v1beta1')),
    errors: [[N, 'source.template.apiVersion']],
  },
  {
    name: 'an OCIRepository of another group',
    config: ociConfigWith((_, s) => (s.apiVersion = 'example.com/v1')),
    errors: [[N, 'source.template.apiVersion']],
  },
  // GitRepository
  {
    name: 'a Git URL over ssh',
    config: configWith((_, s) => (s.spec.url = 'ssh://git@github.com/org/repo')),
    errors: [],
  },
  {
    name: 'a Git URL over http',
    config: configWith((_, s) => (s.spec.url = 'http://git.local/repo')),
    errors: [],
  },
  {
    name: 'a Git source without URL',
    config: configWith((_, s) => delete s.spec.url),
    errors: [[R, 'source.template.spec.url']],
  },
  {
    name: 'a Git source with an empty URL',
    config: configWith((_, s) => (s.spec.url = '')),
    errors: [[R, 'source.template.spec.url']],
  },
  {
    name: 'an scp-like Git URL',
    config: configWith((_, s) => (s.spec.url = 'git@github.com:org/repo')),
    errors: [[I, 'source.template.spec.url']],
  },
  {
    name: 'a Git URL of another scheme',
    config: configWith((_, s) => (s.spec.url = 'oci://ghcr.io/org/repo')),
    errors: [[I, 'source.template.spec.url']],
  },
  {
    name: 'a Git source without ref',
    config: configWith((_, s) => delete s.spec.ref),
    errors: [[R, 'source.template.spec.ref']],
  },
  {
    name: 'a Git source with an empty ref',
    config: configWith((_, s) => (s.spec.ref = {})),
    errors: [[R, 'source.template.spec.ref']],
  },
  {
    name: 'a Git ref with only empty values',
    config: configWith((_, s) => (s.spec.ref = { branch: '' })),
    errors: [[R, 'source.template.spec.ref']],
  },
  ...(['branch', 'tag', 'semver', 'name', 'commit'] as const).map((key) => ({
    name: `a Git ref by ${key}`,
    config: configWith((_, s) => (s.spec.ref = { [key]: 'x' })),
    errors: [],
  })),
  // OCIRepository
  { name: 'an OCI source', config: ociConfigWith(() => undefined), errors: [] },
  {
    name: 'an OCI source without URL',
    config: ociConfigWith((_, s) => delete s.spec.url),
    errors: [[R, 'source.template.spec.url']],
  },
  {
    name: 'an OCI URL over https',
    config: ociConfigWith((_, s) => (s.spec.url = 'https://ghcr.io/org/manifests')),
    errors: [[I, 'source.template.spec.url']],
  },
  {
    name: 'an OCI source without ref',
    config: ociConfigWith((_, s) => delete s.spec.ref),
    errors: [[R, 'source.template.spec.ref']],
  },
  {
    name: 'an OCI source with an empty ref',
    config: ociConfigWith((_, s) => (s.spec.ref = {})),
    errors: [[I, 'source.template.spec.ref']],
  },
  {
    name: 'an OCI ref with only semverFilter',
    config: ociConfigWith((_, s) => (s.spec.ref = { semverFilter: '.*-rc.*' })),
    errors: [[I, 'source.template.spec.ref']],
  },
  ...(['tag', 'semver', 'digest'] as const).map((key) => ({
    name: `an OCI ref by ${key}`,
    config: ociConfigWith((_, s) => (s.spec.ref = { [key]: 'x' })),
    errors: [],
  })),
  // template metadata
  {
    name: 'custom source and Kustomization names and namespaces',
    config: configWith((c, s, k) => {
      s.metadata = { name: 'apps.source', namespace: 'apps' };
      k.metadata = { name: 'apps', namespace: 'apps' };
      k.spec.sourceRef = { name: 'apps.source', namespace: 'apps' };
    }),
    errors: [],
  },
  {
    name: 'an invalid source name',
    config: configWith((_, s, k) => {
      s.metadata = { name: 'Flux_System' };
      k.spec.sourceRef = { name: 'Flux_System' };
    }),
    errors: [[I, 'source.template.metadata.name']],
  },
  {
    name: 'an invalid source namespace',
    config: configWith((_, s, k) => {
      s.metadata = { namespace: 'a.b' };
      k.spec.sourceRef = { namespace: 'a.b' };
    }),
    errors: [[I, 'source.template.metadata.namespace']],
  },
  {
    name: 'an invalid Kustomization name',
    config: configWith((_, __, k) => (k.metadata = { name: '-x' })),
    errors: [[I, 'kustomization.template.metadata.name']],
  },
  {
    name: 'an invalid Kustomization namespace',
    config: configWith((_, __, k) => (k.metadata = { namespace: 'UPPER' })),
    errors: [[I, 'kustomization.template.metadata.namespace']],
  },
  // durations
  ...['1m', '1h30m', '90s', '1.5h', '500ms'].map((interval) => ({
    name: `interval ${interval}`,
    config: configWith((_, s, k) => {
      s.spec.interval = interval;
      s.spec.timeout = interval;
      k.spec.interval = interval;
      k.spec.timeout = interval;
    }),
    errors: [],
  })),
  {
    name: 'a source interval in words',
    config: configWith((_, s) => (s.spec.interval = '1 minute')),
    errors: [[I, 'source.template.spec.interval']],
  },
  {
    name: 'an empty source interval',
    config: configWith((_, s) => (s.spec.interval = '')),
    errors: [[I, 'source.template.spec.interval']],
  },
  {
    name: 'a source timeout without unit',
    config: configWith((_, s) => (s.spec.timeout = '5')),
    errors: [[I, 'source.template.spec.timeout']],
  },
  {
    name: 'a Kustomization interval in days',
    config: configWith((_, __, k) => (k.spec.interval = '1d')),
    errors: [[I, 'kustomization.template.spec.interval']],
  },
  {
    name: 'a negative Kustomization timeout',
    config: configWith((_, __, k) => (k.spec.timeout = '-1m')),
    errors: [[I, 'kustomization.template.spec.timeout']],
  },
  // source secret
  {
    name: 'secretRef and secretResourceName',
    config: configWith((c, s) => {
      c.source = { template: s, secretResourceName: 'git-credentials' };
      s.spec.secretRef = { name: 'git-auth' };
    }),
    resources: shootResources,
    errors: [],
  },
  {
    name: 'secretRef without secretResourceName',
    config: configWith((_, s) => (s.spec.secretRef = { name: 'git-auth' })),
    errors: [[R, 'source.secretResourceName']],
  },
  {
    name: 'a secretResourceName missing from the Shoot',
    config: configWith((c, s) => (c.source = { template: s, secretResourceName: 'nope' })),
    resources: shootResources,
    errors: [[I, 'source.secretResourceName']],
  },
  {
    name: 'a secretResourceName naming a ConfigMap',
    config: configWith((c, s) => (c.source = { template: s, secretResourceName: 'settings' })),
    resources: shootResources,
    errors: [[I, 'source.secretResourceName']],
  },
  {
    name: 'a secretResourceName without a Shoot at hand',
    config: configWith((c, s) => (c.source = { template: s, secretResourceName: 'nope' })),
    errors: [],
  },
  // Kustomization
  {
    name: 'a Kustomization without path',
    config: configWith((_, __, k) => delete k.spec.path),
    errors: [[R, 'kustomization.template.spec.path']],
  },
  {
    name: 'an explicit apiVersion and kind on the Kustomization',
    config: configWith((_, __, k) => {
      k.apiVersion = 'kustomize.toolkit.fluxcd.io/v1';
      k.kind = 'Kustomization';
    }),
    errors: [],
  },
  {
    name: 'an unsupported Kustomization apiVersion',
    config: configWith((_, __, k) => (k.apiVersion = 'kustomize.toolkit.fluxcd.io/v2')),
    errors: [[N, 'kustomization.template.apiVersion']],
  },
  {
    name: 'an unsupported Kustomization kind',
    config: configWith((_, __, k) => (k.kind = 'HelmRelease')),
    errors: [[N, 'kustomization.template.kind']],
  },
  {
    name: 'an explicit sourceRef to the source',
    config: configWith(
      (_, __, k) =>
        (k.spec.sourceRef = { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' }),
    ),
    errors: [],
  },
  {
    name: 'a sourceRef of another kind',
    config: configWith((_, __, k) => (k.spec.sourceRef = { kind: 'OCIRepository' })),
    errors: [[I, 'kustomization.template.spec.sourceRef']],
  },
  {
    name: 'a sourceRef of another name',
    config: configWith((_, __, k) => (k.spec.sourceRef = { name: 'apps' })),
    errors: [[I, 'kustomization.template.spec.sourceRef']],
  },
  {
    name: 'a sourceRef into another namespace',
    config: configWith((_, __, k) => (k.spec.sourceRef = { namespace: 'apps' })),
    errors: [[I, 'kustomization.template.spec.sourceRef']],
  },
  // additionalSecretResources
  {
    name: 'additional secrets naming Shoot secrets',
    config: { additionalSecretResources: [{ name: 'extra' }, { name: 'other', targetName: 'renamed' }] },
    resources: shootResources,
    errors: [],
  },
  {
    name: 'additional secrets that are missing or not secrets, and a bad target name',
    config: {
      additionalSecretResources: [
        { name: 'extra' },
        { name: 'settings' },
        { name: 'nope' },
        { name: 'other', targetName: 'invalid-name-' },
      ],
    },
    resources: shootResources,
    errors: [
      [I, 'additionalSecretResources[1].name'],
      [I, 'additionalSecretResources[2].name'],
      [I, 'additionalSecretResources[3].targetName'],
    ],
  },
  {
    name: 'an additional secret without name',
    config: { additionalSecretResources: [{ targetName: 'x' }] },
    errors: [[R, 'additionalSecretResources[0].name']],
  },
  {
    name: 'an additional secret with an empty name',
    config: { additionalSecretResources: [{ name: '' }] },
    errors: [[R, 'additionalSecretResources[0].name']],
  },
  {
    name: 'two additional secrets with one target name',
    config: {
      additionalSecretResources: [
        { name: 'extra', targetName: 'same' },
        { name: 'other', targetName: 'same' },
      ],
    },
    errors: [[D, 'additionalSecretResources[1].targetName']],
  },
  {
    name: 'a target name equal to another secret name from the Shoot',
    config: { additionalSecretResources: [{ name: 'extra', targetName: 'other-secret' }, { name: 'other' }] },
    resources: shootResources,
    errors: [[D, 'additionalSecretResources[1].name']],
  },
  {
    name: "an additional secret colliding with the source's secret",
    config: configWith((c, s) => {
      c.source = { template: s, secretResourceName: 'git-credentials' };
      c.additionalSecretResources = [{ name: 'extra', targetName: 'flux-system' }];
    }),
    errors: [[D, 'additionalSecretResources[0].targetName']],
  },
  {
    name: "an additional secret named like the source's secret in another namespace",
    config: configWith((c, s, k) => {
      s.metadata = { namespace: 'apps' };
      k.spec.sourceRef = { namespace: 'apps' };
      c.source = { template: s, secretResourceName: 'git-credentials' };
      c.additionalSecretResources = [{ name: 'extra', targetName: 'flux-system' }];
    }),
    errors: [],
  },
];

describe('evaluateFluxConfig validation', () => {
  it.each(cases)('$name', ({ config, resources, errors }) => {
    expect(findings(config, resources)).toEqual(errors);
  });

  it('returns the config exactly when there are no errors', () => {
    expect(evaluateFluxConfig(configWith()).config).toBeDefined();
    const invalid = evaluateFluxConfig({ flux: { version: 'latest' } });
    expect(invalid.config).toBeUndefined();
  });

  it('reports the Kustomization kind with its own value, not the apiVersion', () => {
    const { errors } = evaluateFluxConfig(configWith((_, __, k) => (k.kind = 'HelmRelease')));
    expect(errors[0]?.badValue).toBe('HelmRelease');
    expect(errors[0]?.detail).toBe('supported values: "Kustomization"');
  });

  it('lists the supported kinds for an unsupported source kind', () => {
    const { errors } = evaluateFluxConfig(configWith((_, s) => (s.kind = 'Bucket')));
    expect(errors[0]?.detail).toBe('supported values: "GitRepository", "OCIRepository"');
  });

  it('leaves object values out of structure errors', () => {
    const { errors } = evaluateFluxConfig({
      source: { template: { spec: [] } },
      kustomization: { template: {} },
    });
    expect(errors).toEqual([{ type: I, field: 'source.template.spec', detail: 'must be an object' }]);
  });
});

describe('evaluateFluxConfig warnings', () => {
  const warnings = (config: unknown) => evaluateFluxConfig(config).warnings.map((w) => w.field);

  it('names every unknown field, but not the fields inside templates', () => {
    const config = configWith((c, s, k) => {
      c.spec = {};
      c.flux = { versoin: 'v2.9.2' };
      c.source = { template: s, secretResouceName: 'x' };
      c.kustomization = { template: k, sourceref: {} };
      c.additionalSecretResources = [{ name: 'x', target: 'y' }];
      s.spec.ignore = '/docs';
      k.spec.postBuild = { substituteFrom: [] };
    });
    const result = evaluateFluxConfig(config);
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.field).sort()).toEqual([
      'additionalSecretResources[0].target',
      'flux.versoin',
      'kustomization.sourceref',
      'source.secretResouceName',
      'spec',
    ]);
    expect(result.warnings[0]?.message).toBe('unknown field, ignored');
  });

  it('deprecates a legacy template and says how to migrate', () => {
    const result = evaluateFluxConfig(
      configWith((_, s) => {
        delete s.apiVersion;
        delete s.kind;
      }),
    );
    expect(result.warnings.map((w) => w.field)).toEqual(['source.template']);
    expect(result.warnings[0]?.message).toContain('migrate');
    expect(result.warnings[0]?.message).toContain('kind: GitRepository');
  });

  it('warns when an OCIRepository is written in another apiVersion than the template', () => {
    expect(warnings(ociConfigWith((_, s) => (s.apiVersion = 'source.toolkit.fluxcd.io/v1beta2')))).toEqual([
      'source.template.apiVersion',
    ]);
    expect(warnings(ociConfigWith((c) => (c.flux = { version: 'v2.5.1' })))).toEqual([
      'source.template.apiVersion',
    ]);
    expect(warnings(ociConfigWith(() => undefined))).toEqual([]);
  });

  it('warns about a component listed twice', () => {
    expect(warnings({ flux: { componentsExtra: ['helm-controller', 'helm-controller'] } })).toEqual([
      'flux.componentsExtra[1]',
    ]);
  });
});

describe('evaluateFluxConfig defaults', () => {
  it('defaults an absent providerConfig to Flux alone', () => {
    for (const raw of [undefined, null, {}]) {
      expect(evaluateFluxConfig(raw).config).toEqual({
        apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
        kind: 'FluxConfig',
        syncMode: 'Once',
        flux: { version: 'v2.9.2', registry: 'ghcr.io/fluxcd', namespace: 'flux-system' },
        additionalSecretResources: [],
      });
    }
  });

  it('keeps explicit installation values, including an empty registry', () => {
    const flux = {
      version: 'v2.6.0',
      registry: '',
      namespace: 'gotk',
      components: ['source-controller', 'kustomize-controller'],
    };
    expect(evaluateFluxConfig({ flux }).config?.flux).toEqual(flux);
  });

  it('treats null fields as unset', () => {
    expect(evaluateFluxConfig({ flux: { version: null, namespace: null } }).config?.flux).toEqual({
      version: 'v2.9.2',
      registry: 'ghcr.io/fluxcd',
      namespace: 'flux-system',
    });
  });

  it('defaults the source and the Kustomization', () => {
    const config = evaluateFluxConfig(configWith()).config;
    expect(config?.source).toEqual({
      templateApiVersion: 'source.toolkit.fluxcd.io/v1',
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'flux-system', namespace: 'flux-system' },
        spec: { url: 'https://github.com/org/repo', ref: { branch: 'main' }, interval: '1m' },
      },
    });
    expect(config?.kustomization?.template).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'flux-system', namespace: 'flux-system' },
      spec: {
        path: 'clusters/production',
        interval: '1m',
        prune: false,
        sourceRef: { kind: 'GitRepository', name: 'flux-system', namespace: 'flux-system' },
      },
    });
  });

  it('puts source and Kustomization into the custom Flux namespace', () => {
    const config = evaluateFluxConfig(configWith((c) => (c.flux = { namespace: 'gotk' }))).config;
    expect(config?.source?.template.metadata.namespace).toBe('gotk');
    expect(config?.kustomization?.template.metadata.namespace).toBe('gotk');
    expect(config?.kustomization?.template.spec.sourceRef.namespace).toBe('gotk');
  });

  it('points the sourceRef at an OCIRepository source with a custom name and namespace', () => {
    const config = evaluateFluxConfig(
      ociConfigWith((_, s) => (s.metadata = { name: 'apps', namespace: 'apps' })),
    ).config;
    expect(config?.kustomization?.template.spec.sourceRef).toEqual({
      kind: 'OCIRepository',
      name: 'apps',
      namespace: 'apps',
    });
  });

  it('keeps explicit values and fields it does not know', () => {
    const config = evaluateFluxConfig(
      configWith((_, s, k) => {
        s.metadata = { name: 'repo', labels: { team: 'a' } };
        s.spec.interval = '10m';
        s.spec.ignore = '/docs';
        k.metadata = { name: 'apps' };
        k.spec.prune = true;
        k.spec.interval = '5m';
        k.spec.sourceRef = { name: 'repo' };
        k.spec.postBuild = { substituteFrom: [{ kind: 'ConfigMap', name: 'shoot-info' }] };
      }),
    ).config;
    expect(config?.source?.template.metadata).toEqual({
      name: 'repo',
      namespace: 'flux-system',
      labels: { team: 'a' },
    });
    expect(config?.source?.template.spec.interval).toBe('10m');
    expect(config?.source?.template.spec.ignore).toBe('/docs');
    expect(config?.kustomization?.template.spec).toMatchObject({
      prune: true,
      interval: '5m',
      postBuild: { substituteFrom: [{ kind: 'ConfigMap', name: 'shoot-info' }] },
    });
    expect(config?.kustomization?.template.metadata.name).toBe('apps');
  });

  it('defaults secretRef.name when credentials are configured, and keeps an explicit one', () => {
    const defaulted = evaluateFluxConfig(
      configWith((c, s) => (c.source = { template: s, secretResourceName: 'git-credentials' })),
    );
    expect(defaulted.config?.source?.template.spec.secretRef).toEqual({ name: 'flux-system' });
    expect(defaulted.config?.source?.secretResourceName).toBe('git-credentials');
    const explicit = evaluateFluxConfig(
      configWith((c, s) => {
        c.source = { template: s, secretResourceName: 'git-credentials' };
        s.spec.secretRef = { name: 'git-auth' };
      }),
    );
    expect(explicit.config?.source?.template.spec.secretRef).toEqual({ name: 'git-auth' });
    expect(evaluateFluxConfig(configWith()).config?.source?.template.spec.secretRef).toBeUndefined();
  });

  it('decodes a legacy template as a v1 GitRepository', () => {
    const source = evaluateFluxConfig(
      configWith((_, s) => {
        delete s.apiVersion;
        delete s.kind;
      }),
    ).config?.source;
    expect(source?.template.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(source?.template.kind).toBe('GitRepository');
    expect(source?.templateApiVersion).toBeUndefined();
  });

  it.each([
    ['v2.9.2', 'source.toolkit.fluxcd.io/v1beta2', 'source.toolkit.fluxcd.io/v1'],
    ['v2.6.0', 'source.toolkit.fluxcd.io/v1beta2', 'source.toolkit.fluxcd.io/v1'],
    ['v2.5.1', 'source.toolkit.fluxcd.io/v1', 'source.toolkit.fluxcd.io/v1beta2'],
    ['v2.5.1', 'source.toolkit.fluxcd.io/v1beta2', 'source.toolkit.fluxcd.io/v1beta2'],
  ])('writes an OCIRepository for Flux %s written as %s in %s', (version, written, served) => {
    const source = evaluateFluxConfig(
      ociConfigWith((c, s) => {
        c.flux = { version };
        s.apiVersion = written;
      }),
    ).config?.source;
    expect(source?.template.apiVersion).toBe(served);
    expect(source?.templateApiVersion).toBe(written);
  });

  it('does not change its input', () => {
    const config = configWith();
    const before = structuredClone(config);
    evaluateFluxConfig(config);
    expect(config).toEqual(before);
  });
});

describe('evaluateFluxConfig bad values', () => {
  it('never echoes credentials written into a URL', () => {
    const git = evaluateFluxConfig(configWith((_, s) => (s.spec.url = 'ftp://user:s3cr3t@example.com/repo')));
    expect(git.errors[0]?.badValue).toBe('ftp://***@example.com/repo');
    const oci = evaluateFluxConfig(
      ociConfigWith((_, s) => (s.spec.url = 'https://robot:t0ken@ghcr.io/org/manifests')),
    );
    expect(oci.errors[0]?.badValue).toBe('https://***@ghcr.io/org/manifests');
    expect(JSON.stringify([git, oci])).not.toMatch(/s3cr3t|t0ken/);
  });

  it.each([
    ['a password with @', 'ftp://u:p@ss@example.com/repo', 'ftp://***@example.com/repo'],
    ['no scheme', 'user:t0ken@example.com/repo', '***@example.com/repo'],
    ['a token parameter', 'ftp://example.com/repo?token=t0ken', 'ftp://example.com/repo?token=***'],
  ])('never echoes credentials in a URL with %s', (_name, url, shown) => {
    const git = evaluateFluxConfig(configWith((_, s) => (s.spec.url = url)));
    expect(git.errors[0]?.badValue).toBe(shown);
  });
});

describe('evaluateFluxConfig syncMode', () => {
  it.each([
    [undefined, 'Once'],
    ['Once', 'Once'],
    ['ManifestsOnly', 'ManifestsOnly'],
    ['Full', 'Full'],
  ])('takes syncMode %s as %s', (syncMode, expected) => {
    expect(evaluateFluxConfig(syncMode === undefined ? {} : { syncMode }).config?.syncMode).toBe(expected);
  });

  it.each([['Always'], ['full'], ['']])(
    'refuses syncMode %j as Unsupported value at syncMode',
    (syncMode) => {
      expect(evaluateFluxConfig({ syncMode }).errors).toEqual([
        {
          type: 'FieldValueNotSupported',
          field: 'syncMode',
          badValue: syncMode,
          detail: 'supported values: "Once", "ManifestsOnly", "Full"',
        },
      ]);
    },
  );

  it('refuses a syncMode that is no string at syncMode', () => {
    expect(evaluateFluxConfig({ syncMode: 3 }).errors.map((e) => [e.type, e.field])).toEqual([
      ['FieldValueInvalid', 'syncMode'],
    ]);
  });

  it.each([
    [{ flux: { version: 'v2.8.0' } }, { defaultVersion: 'v2.9.2' }, 'providerConfig'],
    [{}, { defaultVersion: 'v2.9.2' }, 'landscape'],
    [{}, {}, 'builtin'],
  ])('says where flux.version came from (%j with %j: %s)', (raw, landscape, origin) => {
    expect(evaluateFluxConfig(raw, { landscape }).fluxVersionOrigin).toBe(origin);
  });
});
