// Builds a Flux release bundle (the files of `manifests.tar.gz`) offline, from Go modules, the
// way Flux's release process does: each controller's release publishes `kustomize build
// config/crd` as `<controller>.crds.yaml` and `kustomize build config/manager` as
// `<controller>.deployment.yaml`; flux2's `manifests/scripts/bundle.sh` then runs `kustomize
// build` on every `manifests/bases/<component>` (which pull those two files), on
// `manifests/rbac` and on `manifests/policies`. Here the two release files are rendered from the
// controller's Go module at the version the base pins, and the bases point at them instead.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { downloadGoModule } from './go-modules.js';

const execFileAsync = promisify(execFile);

/** The Go module of Flux's distribution repository, whose `manifests/` the bundle is built from. */
export const flux2Module = 'github.com/fluxcd/flux2/v2';

/** A release file of a Flux controller that a flux2 base pulls in. */
export interface ControllerReleaseFile {
  /** The URL as the base's kustomization.yaml names it. */
  url: string;
  /** GitHub repository under fluxcd, e.g. `source-controller`. */
  repository: string;
  version: string;
  /** `<repository>.crds.yaml` or `<repository>.deployment.yaml`. */
  fileName: string;
  /** The controller's kustomize directory the release renders it from. */
  configDir: 'config/crd' | 'config/manager';
}

const releaseFilePattern =
  /^https:\/\/github\.com\/fluxcd\/([a-z0-9-]+)\/releases\/download\/(v\d+\.\d+\.\d+)\/(\1\.(crds|deployment)\.yaml)$/;

/**
 * The controller release files a base's kustomization.yaml pulls in. Any other remote resource
 * is an error: it could not be built offline.
 */
export function parseBaseResources(kustomization: string, base: string): ControllerReleaseFile[] {
  const parsed = yaml.load(kustomization) as { resources?: unknown } | undefined;
  const resources = Array.isArray(parsed?.resources) ? parsed.resources : [];
  const files: ControllerReleaseFile[] = [];
  for (const resource of resources) {
    if (typeof resource !== 'string' || !/^https?:\/\//.test(resource)) continue;
    const match = releaseFilePattern.exec(resource);
    if (!match) throw new Error(`${base}: remote resource ${resource} is not a Flux controller release file`);
    const [, repository = '', version = '', fileName = '', kind = ''] = match;
    files.push({
      url: resource,
      repository,
      version,
      fileName,
      configDir: kind === 'crds' ? 'config/crd' : 'config/manager',
    });
  }
  return files;
}

/** The Go module path of a fluxcd controller repository at a version (`/vN` from v2 on). */
export function controllerModulePath(repository: string, version: string): string {
  const major = Number(/^v(\d+)\./.exec(version)?.[1] ?? '0');
  return `github.com/fluxcd/${repository}${major >= 2 ? `/v${major}` : ''}`;
}

/** The controller module versions a release's bases pin: `module@version` per component. */
export async function readPinnedControllers(
  version: string,
  components?: readonly string[],
): Promise<{ component: string; module: string; version: string }[]> {
  const manifests = path.join(await downloadGoModule(flux2Module, version), 'manifests');
  const pinned: { component: string; module: string; version: string }[] = [];
  for (const component of await selectedBases(manifests, components)) {
    const file = path.join(manifests, 'bases', component, 'kustomization.yaml');
    for (const release of parseBaseResources(await readFile(file, 'utf8'), file)) {
      const module = controllerModulePath(release.repository, release.version);
      if (!pinned.some((p) => p.module === module && p.version === release.version)) {
        pinned.push({ component, module, version: release.version });
      }
    }
  }
  return pinned;
}

async function selectedBases(manifests: string, components?: readonly string[]): Promise<string[]> {
  const entries = await readdir(path.join(manifests, 'bases'), { withFileTypes: true });
  const all = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (!components) return all;
  const unknown = components.filter((c) => !all.includes(c));
  if (unknown.length > 0) throw new Error(`no manifests/bases/${unknown.join(', ')} in this Flux release`);
  return all.filter((c) => components.includes(c));
}

/** Options of {@link assembleFluxBundle}. */
export interface AssembleOptions {
  /** The Flux release, e.g. `v2.9.2`. */
  version: string;
  /** The kustomize binary (the version Flux's release workflow uses renders byte for byte). */
  kustomize: string;
  /** Which `manifests/bases/*` to build; default all of them. rbac and policies always. */
  components?: readonly string[];
  progress?: (line: string) => void;
}

/** Module caches may be read-only (Go's default): the copy must not be. */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    await chmod(path.join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

async function kustomizeBuild(kustomize: string, dir: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(kustomize, ['build', dir], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    // kustomize says what is wrong on stderr; the exec error only names the command.
    const stderr = (err as { stderr?: string }).stderr?.trim();
    const reason = stderr !== undefined && stderr !== '' ? stderr : (err as Error).message;
    throw new Error(`kustomize build ${dir} failed: ${reason}`, { cause: err });
  }
}

/**
 * Assembles a Flux release's bundle from Go modules (flux2 at `version` plus every controller
 * at the version its base pins) and returns its files, name → content, as `bundle.sh` names
 * them: `<component>.yaml`, `rbac.yaml`, `policies.yaml`.
 */
export async function assembleFluxBundle(options: AssembleOptions): Promise<Record<string, string>> {
  const progress = options.progress ?? (() => undefined);
  const flux2Dir = await downloadGoModule(flux2Module, options.version);
  // The module cache is read-only and shared: work on a copy of manifests/.
  const work = await mkdtemp(path.join(tmpdir(), 'shoot-flux-bundle-'));
  try {
    const manifests = path.join(work, 'manifests');
    await cp(path.join(flux2Dir, 'manifests'), manifests, { recursive: true });
    await makeWritable(manifests);
    const files: Record<string, string> = {};
    for (const component of await selectedBases(manifests, options.components)) {
      const base = path.join(manifests, 'bases', component);
      const kustomizationFile = path.join(base, 'kustomization.yaml');
      let kustomization = await readFile(kustomizationFile, 'utf8');
      for (const release of parseBaseResources(kustomization, kustomizationFile)) {
        const module = controllerModulePath(release.repository, release.version);
        progress(`${component}: ${release.fileName} from ${module}@${release.version} ${release.configDir}`);
        const moduleDir = await downloadGoModule(module, release.version);
        const rendered = await kustomizeBuild(options.kustomize, path.join(moduleDir, release.configDir));
        await writeFile(path.join(base, release.fileName), rendered);
        kustomization = kustomization.replaceAll(release.url, release.fileName);
      }
      await writeFile(kustomizationFile, kustomization);
      files[`${component}.yaml`] = await kustomizeBuild(options.kustomize, base);
    }
    for (const name of ['rbac', 'policies']) {
      files[`${name}.yaml`] = await kustomizeBuild(options.kustomize, path.join(manifests, name));
    }
    return files;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
