import yaml from 'js-yaml';

/** The host a Git URL names to mean "the landscape's own Git server". */
export const gitPlaceholder = 'http://landscape-git.invalid';
/** The host an OCI URL names to mean "the landscape's own registry". */
export const registryPlaceholder = 'oci://landscape-registry.invalid';

/** The source kinds the landscape serves itself. */
export type LandscapeSourceKind = 'GitRepository' | 'OCIRepository';

/** A directory next to the shoot file that the landscape publishes for the shoot's source. */
export interface ServedSource {
  kind: LandscapeSourceKind;
  /** The directory's name, also the Git repository (`<name>.git`) or registry repository name. */
  repository: string;
  /** The tag pushed for an OCIRepository (`spec.ref.tag`, default `latest`). */
  tag: string;
}

/** What gardenlet knows of a shoot: its name, project namespace and referenced resources. */
export interface ShootSpec {
  name: string;
  projectNamespace: string;
  /** `spec.resources` of the Shoot. */
  resources?: { name: string; resourceRef: { apiVersion: string; kind: string; name: string } }[];
}

/** One shoot of the landscape, as read from a Shoot-like file. */
export interface LandscapeShoot {
  spec: ShootSpec;
  /** `spec.extensions[type=shoot-flux].providerConfig`, placeholders not yet replaced. */
  providerConfig: Record<string, unknown>;
  /** The source's kind (`GitRepository` when the legacy template leaves it out), if there is a source. */
  sourceKind: string | undefined;
  /** Set when the source reads from the landscape's own Git server or registry. */
  served: ServedSource | undefined;
  /** The `spec.resources` name the source's credentials come from, if any. */
  secretResourceName: string | undefined;
}

interface SourceShape {
  template?: {
    apiVersion?: string;
    kind?: string;
    metadata?: Record<string, unknown>;
    spec?: { url?: unknown; ref?: { tag?: unknown; branch?: string } } & Record<string, unknown>;
  };
  secretResourceName?: string;
}

const repositoryName = '([a-z0-9][a-z0-9._-]*)';
const gitUrl = new RegExp(`^${gitPlaceholder.replaceAll('.', '\\.')}/${repositoryName}\\.git$`, 'i');
const ociUrl = new RegExp(`^${registryPlaceholder.replaceAll('.', '\\.')}/${repositoryName}$`, 'i');

function findServedSource(source: SourceShape | undefined): ServedSource | undefined {
  const url = source?.template?.spec?.url;
  if (typeof url !== 'string') return undefined;
  const git = gitUrl.exec(url);
  if (git?.[1]) return { kind: 'GitRepository', repository: git[1], tag: '' };
  const oci = ociUrl.exec(url);
  const tag = source?.template?.spec?.ref?.tag;
  if (oci?.[1])
    return { kind: 'OCIRepository', repository: oci[1], tag: typeof tag === 'string' ? tag : 'latest' };
  return undefined;
}

/**
 * Reads the Shoot-like landscape file: `metadata`, `spec.resources` and the `shoot-flux` entry of
 * `spec.extensions`. Throws naming the file when the parts the landscape needs are missing.
 */
export function decodeLandscapeShoot(text: string, file: string): LandscapeShoot {
  const shoot = yaml.load(text) as {
    metadata?: { name?: string; namespace?: string };
    spec?: {
      resources?: ShootSpec['resources'];
      extensions?: { type?: string; providerConfig?: Record<string, unknown> }[];
    };
  } | null;
  const extension = shoot?.spec?.extensions?.find((e) => e.type === 'shoot-flux');
  if (!shoot?.metadata?.name || !extension?.providerConfig) {
    throw new Error(
      `${file}: needs metadata.name and a shoot-flux entry with providerConfig in spec.extensions`,
    );
  }
  return buildLandscapeShoot(
    {
      name: shoot.metadata.name,
      projectNamespace: shoot.metadata.namespace ?? 'garden-local',
      resources: shoot.spec?.resources ?? [],
    },
    extension.providerConfig,
  );
}

function buildLandscapeShoot(spec: ShootSpec, providerConfig: Record<string, unknown>): LandscapeShoot {
  const source = providerConfig.source as SourceShape | undefined;
  return {
    spec,
    providerConfig,
    sourceKind: source?.template ? (source.template.kind ?? 'GitRepository') : undefined,
    served: findServedSource(source),
    secretResourceName: source?.secretResourceName,
  };
}

/** The source of each kind the landscape writes for a shoot of `--shoots N` whose kind differs from the file's. */
function buildAlternateSource(kind: LandscapeSourceKind, repository: string): Required<SourceShape> {
  if (kind === 'GitRepository') {
    return {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind,
        spec: { url: `${gitPlaceholder}/${repository}.git`, ref: { branch: 'main' }, interval: '1m' },
      },
      secretResourceName: 'git-credentials',
    };
  }
  return {
    template: {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind,
      // Plain HTTP: the landscape's registry has no TLS.
      spec: {
        url: `${registryPlaceholder}/${repository}`,
        ref: { tag: 'latest' },
        interval: '1m',
        insecure: true,
      },
    },
    secretResourceName: 'registry-credentials',
  };
}

const credentialSecrets: Record<string, string> = {
  'git-credentials': 'fleet-git-credentials',
  'registry-credentials': 'fleet-registry-credentials',
};

/**
 * The shoots of `npm start -- --shoots N`: the file's shoot once (its own name) for N = 1;
 * otherwise `<name>-1` … `<name>-N`, alternating the file's source kind and the other one (Git ↔
 * OCI, from the same directory), with a `spec.resources` entry added for the other kind's
 * credentials when the file lacks it. Everything else of the providerConfig stays as written.
 */
export function buildShootVariants(shoot: LandscapeShoot, count: number): LandscapeShoot[] {
  if (count === 1) return [shoot];
  const own = shoot.sourceKind;
  if (own !== 'GitRepository' && own !== 'OCIRepository') {
    throw new Error(
      '--shoots alternates Git and OCI sources: the shoot file needs a GitRepository or OCIRepository source',
    );
  }
  const other: LandscapeSourceKind = own === 'GitRepository' ? 'OCIRepository' : 'GitRepository';
  const repository = shoot.served?.repository ?? 'fleet';
  return Array.from({ length: count }, (_, index) => {
    const spec = { ...shoot.spec, name: `${shoot.spec.name}-${index + 1}` };
    if (index % 2 === 0) return buildLandscapeShoot(spec, shoot.providerConfig);
    const source = buildAlternateSource(other, repository);
    const metadata = (shoot.providerConfig.source as SourceShape | undefined)?.template?.metadata;
    if (metadata) source.template.metadata = metadata;
    const resources = [...(spec.resources ?? [])];
    const secretName = credentialSecrets[source.secretResourceName] ?? source.secretResourceName;
    if (!resources.some((r) => r.name === source.secretResourceName)) {
      resources.push({
        name: source.secretResourceName,
        resourceRef: { apiVersion: 'v1', kind: 'Secret', name: secretName },
      });
    }
    return buildLandscapeShoot({ ...spec, resources }, { ...shoot.providerConfig, source });
  });
}

/** The providerConfig with the placeholder hosts replaced by the landscape's Git server and registry. */
export function resolvePlaceholders(
  providerConfig: Record<string, unknown>,
  addresses: { gitBaseUrl: string; registryHost: string | undefined },
): Record<string, unknown> {
  let text = JSON.stringify(providerConfig).replaceAll(gitPlaceholder, addresses.gitBaseUrl);
  if (addresses.registryHost) text = text.replaceAll(registryPlaceholder, `oci://${addresses.registryHost}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The seed namespace gardenlet gives a shoot: `shoot--<project>--<name>`. */
export function buildSeedNamespace(spec: ShootSpec): string {
  return `shoot--${spec.projectNamespace.replace(/^garden-/, '')}--${spec.name}`;
}
