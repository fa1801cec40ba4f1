import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { Gardenlet } from '../../test/harness/gardenlet.js';
import { buildDockerConfigJson } from '../../test/harness/gardener-objects.js';
import type { BasicAuth } from '../../test/harness/git-server.js';
import { pushFluxArtifact } from '../../test/harness/oci-push.js';
import type { ShootOutcome } from './bootstrap-report.js';
import type { Landscape, ShootCluster } from './landscape.js';
import {
  buildSeedNamespace,
  resolvePlaceholders,
  type LandscapeShoot,
  type ServedSource,
} from './shoot-file.js';

/** The credentials the landscape's Git server and registry demand; they go into the shoots' `ref-*` secrets. */
export interface SourceCredentials {
  git: BasicAuth;
  registry: BasicAuth;
}

/** Every file under a directory, relative path → content. */
async function readTree(dir: string): Promise<Record<string, string>> {
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory) throw new Error(`${dir}: no such directory, yet the shoot's source URL names it`);
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return files;
}

/**
 * Publishes what the shoots' sources read from the landscape: the directory named by each Git
 * URL as a repository of the Git server, the directory named by each OCI URL as a Flux artifact
 * pushed to the registry under the template's tag. Each (kind, directory, tag) once.
 */
export async function publishSources(
  landscape: Landscape,
  shoots: readonly LandscapeShoot[],
  sourceDir: string,
  credentials: SourceCredentials,
  say: (line: string) => void,
): Promise<void> {
  const seen = new Set<string>();
  const served = shoots.flatMap((s) => (s.served ? [s.served] : []));
  for (const source of served) {
    const key = `${source.kind}/${source.repository}:${source.tag}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const dir = path.join(sourceDir, source.repository);
    const shown = path.relative(process.cwd(), dir) || '.';
    const files = await readTree(dir);
    if (source.kind === 'GitRepository') {
      const commit = await landscape.git.createRepository(source.repository, files);
      say(`Git server serves ${shown} as ${landscape.git.url(source.repository)} (${commit.slice(0, 12)})`);
      continue;
    }
    const registry = landscape.registry;
    if (!registry) throw new Error('an OCI source needs the landscape registry, which is not running');
    const pushed = await pushFluxArtifact({
      registry: registry.baseUrl,
      repository: source.repository,
      tag: source.tag,
      files,
      source: shown,
      auth: credentials.registry,
    });
    say(`OCI registry serves ${shown} as ${pushed.url}:${source.tag} (${pushed.digest.slice(0, 19)})`);
  }
}

/** A shoot whose gardenlet objects are written: what waiting for it needs. */
export interface DeployedShoot {
  shoot: LandscapeShoot;
  cluster: ShootCluster;
  gardenlet: Gardenlet;
  seedNamespace: string;
  /** The Extension's providerConfig, placeholders replaced. */
  providerConfig: Record<string, unknown>;
  createdAt: number;
}

/** The `ref-*` secret behind the source's `secretResourceName`, with the credentials its server demands. */
async function writeSourceCredentials(
  gardenlet: Gardenlet,
  shoot: LandscapeShoot,
  served: ServedSource,
  credentials: SourceCredentials,
  registryHost: string | undefined,
): Promise<void> {
  const resource = shoot.spec.resources?.find((r) => r.name === shoot.secretResourceName);
  // Without a matching resource the extension reports the config error itself.
  if (!resource) return;
  const secretName = `ref-${resource.resourceRef.name}`;
  if (served.kind === 'GitRepository') {
    await gardenlet.writeSecret(secretName, { ...credentials.git });
    return;
  }
  await gardenlet.writeSecret(
    secretName,
    { '.dockerconfigjson': buildDockerConfigJson(registryHost ?? '', credentials.registry) },
    'kubernetes.io/dockerconfigjson',
  );
}

/** Writes gardenlet's objects for one shoot on its own shoot cluster; resolves once its Extension exists. */
export async function deployShoot(
  landscape: Landscape,
  shoot: LandscapeShoot,
  cluster: ShootCluster,
  credentials: SourceCredentials,
): Promise<DeployedShoot> {
  const seedNamespace = buildSeedNamespace(shoot.spec);
  const gardenlet = landscape.gardenlet(seedNamespace, cluster);
  await gardenlet.createShoot(shoot.spec);
  if (shoot.served) {
    await writeSourceCredentials(gardenlet, shoot, shoot.served, credentials, landscape.registry?.host);
  }
  const providerConfig = resolvePlaceholders(shoot.providerConfig, {
    gitBaseUrl: landscape.git.baseUrl,
    registryHost: landscape.registry?.host,
  });
  const createdAt = Date.now();
  await gardenlet.createExtension(providerConfig);
  return { shoot, cluster, gardenlet, seedNamespace, providerConfig, createdAt };
}

/** The source the bootstrap created in the shoot, as Flux reports it. */
async function readSource(deployed: DeployedShoot): Promise<{ ready: boolean; revision: string }> {
  const config = deployed.providerConfig as {
    flux?: { namespace?: string };
    source?: { template?: { kind?: string; metadata?: { name?: string; namespace?: string } } };
  };
  const template = config.source?.template;
  const kind = template?.kind ?? 'GitRepository';
  const object = (await deployed.cluster.controlPlane.kubeConfig
    .makeApiClient(CustomObjectsApi)
    .getNamespacedCustomObject({
      group: 'source.toolkit.fluxcd.io',
      version: 'v1',
      plural: `${kind.toLowerCase()}s`.replace(/ys$/, 'ies'),
      namespace: template?.metadata?.namespace ?? config.flux?.namespace ?? 'flux-system',
      name: template?.metadata?.name ?? 'flux-system',
    })
    .catch(() => undefined)) as
    | { status?: { conditions?: { type: string; status: string }[]; artifact?: { revision?: string } } }
    | undefined;
  const ready = (object?.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  return { ready, revision: object?.status?.artifact?.revision ?? '' };
}

/** What of an Extension {@link describeLastOperation} reads; a status being written may lack fields. */
interface LastOperationView {
  status?: { lastOperation?: { state?: string; description?: string } | null };
}

/** The Extension's lastOperation as one line: `Processing: Waiting for …`. */
export function describeLastOperation(extension: LastOperationView | undefined): string {
  const op = extension?.status?.lastOperation;
  if (!op) return 'no status yet';
  return `${op.state ?? '?'}: ${op.description ?? ''}`;
}

/** How {@link waitForBootstrap} waits. */
export interface BootstrapWait {
  /** Epoch ms after which the shoot counts as failed. */
  deadlineAt: number;
  /** The deadline as the user gave it, for the message. */
  deadlineText: string;
  /** Why the landscape cannot go on (controller exited, Flux did not start), if it cannot. */
  broken: () => string | undefined;
  say: (line: string) => void;
}

/**
 * Follows one shoot until `FluxBootstrapped=True`: prints every new lastOperation and the source
 * turning Ready. Ends early on a configuration error (it will not heal by waiting), and at the
 * deadline with the Extension's last description, which carries Flux's own message.
 */
export async function waitForBootstrap(deployed: DeployedShoot, wait: BootstrapWait): Promise<ShootOutcome> {
  const { name } = deployed.shoot.spec;
  const sourceKind = deployed.shoot.sourceKind ?? 'no source';
  const fail = (reason: string): ShootOutcome => ({ name, sourceKind, bootstrapped: false, reason });
  let lastShown = '';
  let revision = '';
  for (;;) {
    const extension = await deployed.gardenlet.extension().catch(() => undefined);
    const shown = describeLastOperation(extension);
    if (extension?.status?.lastOperation && shown !== lastShown) {
      wait.say(`${name}: Extension ${shown}`);
      lastShown = shown;
    }
    if (!revision) {
      const source = await readSource(deployed);
      // Ready without an artifact revision is a status written in two steps; wait for both.
      if (source.ready && source.revision) {
        revision = source.revision;
        wait.say(`${name}: source ready: ${sourceKind} ${revision}`);
      }
    }
    if (extension?.status?.conditions?.some((c) => c.type === 'FluxBootstrapped' && c.status === 'True')) {
      const seconds = (Date.now() - deployed.createdAt) / 1000;
      return { name, sourceKind, bootstrapped: true, seconds, revision };
    }
    if (extension?.status?.lastError?.codes?.includes('ERR_CONFIGURATION_PROBLEM')) {
      return fail(`configuration problem: ${extension.status.lastError.description}`);
    }
    const broken = wait.broken();
    if (broken) return fail(broken);
    if (Date.now() > wait.deadlineAt) {
      return fail(`not within ${wait.deadlineText} (--bootstrap-timeout); the Extension says ${shown}`);
    }
    // A script, not a test: a short poll keeps the progress output simple.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
