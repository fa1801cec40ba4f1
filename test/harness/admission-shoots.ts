// Shoots with a shoot-flux extension and the AdmissionReviews the API server sends for them, for
// the webhook's unit tests, integration tests and bench.
import { randomUUID } from 'node:crypto';
import { buildGitFluxConfig } from './flux-configs.js';

/** The label gardener-apiserver puts on every Shoot with a shoot-flux extension. */
export const shootFluxLabel = 'extensions.extensions.gardener.cloud/shoot-flux';

/** A valid providerConfig: a Git source with credentials and one additional secret. */
export function buildGitProviderConfig(): Record<string, unknown> {
  return {
    ...buildGitFluxConfig({
      url: 'https://git.example.com/org/fleet',
      secretResourceName: 'git-credentials',
      kustomization: { spec: { path: 'clusters/dev' } },
      additionalSecretResources: [{ name: 'sops-age-key' }],
    }),
  };
}

/** The Git config's shape, for tests that break one field of it. */
export type GitProviderConfig = Record<string, unknown> & {
  source: {
    template: { apiVersion?: string; kind?: string; spec: Record<string, unknown> };
    secretResourceName?: string;
  };
  flux?: Record<string, unknown>;
  additionalSecretResources: Record<string, unknown>[];
};

/** The valid Git config with one change. */
export function buildGitProviderConfigWith(mutate: (config: GitProviderConfig) => void): GitProviderConfig {
  const config = buildGitProviderConfig() as GitProviderConfig;
  mutate(config);
  return config;
}

/** The field path prefix of the (first) shoot-flux extension of {@link buildShoot}. */
export const providerConfigPath = 'spec.extensions[0].providerConfig';

/**
 * One providerConfig for each kind of mistake the webhook must refuse, with the cause it must
 * answer: [name, providerConfig, cause reason, cause field].
 */
export function buildInvalidProviderConfigCases(): [string, GitProviderConfig, string, string][] {
  const at = (field: string) => `${providerConfigPath}.${field}`;
  return [
    [
      'a missing URL',
      buildGitProviderConfigWith((c) => delete c.source.template.spec.url),
      'FieldValueRequired',
      at('source.template.spec.url'),
    ],
    [
      'a wrong kind',
      buildGitProviderConfigWith((c) => (c.source.template.kind = 'HelmRepository')),
      'FieldValueNotSupported',
      at('source.template.kind'),
    ],
    [
      'an unknown secret resource',
      buildGitProviderConfigWith((c) => (c.source.secretResourceName = 'no-such-resource')),
      'FieldValueInvalid',
      at('source.secretResourceName'),
    ],
    [
      'duplicate target names',
      buildGitProviderConfigWith((c) => {
        c.additionalSecretResources = [
          { name: 'sops-age-key', targetName: 'keys' },
          { name: 'git-credentials', targetName: 'keys' },
        ];
      }),
      'FieldValueDuplicate',
      at('additionalSecretResources[1].targetName'),
    ],
    [
      'a bad interval',
      buildGitProviderConfigWith((c) => (c.source.template.spec.interval = 'every minute')),
      'FieldValueInvalid',
      at('source.template.spec.interval'),
    ],
  ];
}

/** The `spec.resources` the Git config refers to: two Secrets in the project namespace. */
export function buildShootResources(): Record<string, unknown>[] {
  return [
    { name: 'git-credentials', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'fleet-git' } },
    { name: 'sops-age-key', resourceRef: { apiVersion: 'v1', kind: 'Secret', name: 'sops-age' } },
  ];
}

/** Options of {@link buildShoot}. */
export interface ShootOptions {
  name?: string;
  namespace?: string;
  /** Set to `undefined` for an extension without providerConfig. */
  providerConfig?: unknown;
  resources?: unknown[];
  /** Whether to put the label gardener-apiserver sets; default true. */
  labelled?: boolean;
  /** Further `spec.extensions` entries, after the shoot-flux one. */
  otherExtensions?: unknown[];
  status?: Record<string, unknown>;
}

/** A core.gardener.cloud/v1beta1 Shoot with one shoot-flux extension. */
export function buildShoot(options: ShootOptions = {}): Record<string, unknown> & {
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown> & { extensions: Record<string, unknown>[] };
} {
  const providerConfig = 'providerConfig' in options ? options.providerConfig : buildGitProviderConfig();
  return {
    apiVersion: 'core.gardener.cloud/v1beta1',
    kind: 'Shoot',
    metadata: {
      name: options.name ?? 'dev',
      namespace: options.namespace ?? 'garden-dev',
      labels: options.labelled === false ? {} : { [shootFluxLabel]: 'true' },
    },
    spec: {
      cloudProfile: { name: 'local' },
      region: 'local',
      provider: { type: 'local' },
      kubernetes: { version: '1.33.0' },
      resources: options.resources ?? buildShootResources(),
      extensions: [
        { type: 'shoot-flux', ...(providerConfig === undefined ? {} : { providerConfig }) },
        ...((options.otherExtensions ?? []) as Record<string, unknown>[]),
      ],
    },
    ...(options.status ? { status: options.status } : {}),
  };
}

/** The AdmissionReview the API server sends for a Shoot write. */
export function buildShootAdmissionReview(options: {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  object?: Record<string, unknown>;
  oldObject?: Record<string, unknown>;
  uid?: string;
}): Record<string, unknown> {
  const subject = (options.object ?? options.oldObject) as {
    metadata?: { name?: string; namespace?: string };
  };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? randomUUID(),
      kind: { group: 'core.gardener.cloud', version: 'v1beta1', kind: 'Shoot' },
      resource: { group: 'core.gardener.cloud', version: 'v1beta1', resource: 'shoots' },
      name: subject.metadata?.name,
      namespace: subject.metadata?.namespace,
      operation: options.operation,
      userInfo: { username: 'alice' },
      ...(options.object ? { object: options.object } : {}),
      ...(options.oldObject ? { oldObject: options.oldObject } : {}),
      dryRun: false,
    },
  };
}
