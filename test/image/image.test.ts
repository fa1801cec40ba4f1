// The built image as it ships: podman runs it read-only, as user 65532, with no capabilities and
// host networking, as the controller of a landscape of real control planes and real Flux, and
// it bootstraps a shoot from the Flux bundle baked into it. The global setup builds the image.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../harness/assets.js';
import { buildShootAccessKubeconfig } from '../harness/gardener-objects.js';
import {
  buildSeedNamespace,
  buildSourceFiles,
  expectBootstrapped,
  expectShootInfoApplied,
  kustomizationTemplate,
  useLandscape,
} from '../e2e/support/cases.js';
import type { ControllerCommand } from '../../hack/landscape/landscape.js';
import { readPodmanFlags, runPodman, testContainerPrefix } from './container-engine.js';

const execFileAsync = promisify(execFile);
const image = inject('image');
const skipReason = inject('imageSkipReason');

/** The distroless "nonroot" user the image runs as, and the chart's runAsUser. */
const imageUser = 65532;
const containerName = `${testContainerPrefix}${randomBytes(3).toString('hex')}`;
const containerKubeconfig = '/etc/shoot-flux/seed.kubeconfig';

/** Package directories (`node_modules/a`, `node_modules/@s/b`, nested ones) under /app/node_modules. */
const listPackagesScript = `
const fs = require('fs'), path = require('path'); const found = [];
function walk(dir, rel) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.bin') continue;
    const full = path.join(dir, entry.name), name = rel + '/' + entry.name;
    if (entry.name.startsWith('@')) { walk(full, name); continue; }
    if (!fs.existsSync(path.join(full, 'package.json'))) continue;
    found.push(name);
    if (fs.existsSync(path.join(full, 'node_modules'))) walk(path.join(full, 'node_modules'), name + '/node_modules');
  }
}
walk('/app/node_modules', 'node_modules');
console.log(JSON.stringify(found));`;

/** The lock file's packages, split into production and dev ones. */
function readLockedPackages(): { production: Set<string>; required: Set<string> } {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; optional?: boolean }>;
  };
  const entries = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev);
  return {
    production: new Set(entries.map(([key]) => key)),
    required: new Set(entries.filter(([, entry]) => !entry.optional).map(([key]) => key)),
  };
}

/** The `podman container inspect` fields the test reads. */
interface ContainerView {
  State: { Running: boolean };
  Config: { User: string };
  HostConfig: { ReadonlyRootfs: boolean; NetworkMode: string };
  EffectiveCaps: string[] | null;
}

describe.skipIf(skipReason !== '')('image: the built image bootstraps a shoot', () => {
  let kubeconfigDir: string | undefined;
  // Registered before the landscape's hooks, so it runs after them (after-hooks run in reverse):
  // the landscape's shutdown check stops the container first; this only removes leftovers.
  afterAll(async () => {
    await execFileAsync('podman', ['rm', '--force', '--ignore', containerName]).catch(() => undefined);
    if (kubeconfigDir) await rm(kubeconfigDir, { recursive: true, force: true });
  });

  /** The landscape's `run` arguments, moved into the container: its kubeconfig, its bundles. */
  const launchInContainer = async (
    runArgs: string[],
    seed: { server: string; token: string; caFile: string },
  ): Promise<ControllerCommand> => {
    kubeconfigDir = await mkdtemp(path.join(tmpdir(), testContainerPrefix));
    // The CA inlined (the container cannot see the control plane's files), readable by the
    // image's user only.
    const kubeconfig = path.join(kubeconfigDir, 'seed.kubeconfig');
    await writeFile(kubeconfig, await buildShootAccessKubeconfig(seed), { mode: 0o600 });
    await chown(kubeconfig, imageUser, imageUser);
    const args = runArgs
      .filter((arg) => !arg.startsWith('--flux-manifests-base='))
      .map((arg) => (arg.startsWith('--kubeconfig=') ? `--kubeconfig=${containerKubeconfig}` : arg));
    // Only the bundles baked into the image: no download fallback, so a missing bundle fails.
    args.push('--flux-manifests-base=/flux-manifests');
    const flags = await readPodmanFlags();
    return {
      command: 'podman',
      args: [
        ...flags.global,
        'run',
        '--rm',
        `--name=${containerName}`,
        '--read-only',
        // Like the chart: a read-only root with an emptyDir on /tmp, and nothing else writable.
        '--read-only-tmpfs=false',
        '--tmpfs=/tmp',
        `--user=${imageUser}`,
        '--cap-drop=ALL',
        '--network=host',
        ...flags.run,
        `--volume=${kubeconfig}:${containerKubeconfig}:ro`,
        image,
        ...args,
      ],
    };
  };

  const currentLandscape = useLandscape({ launchController: launchInContainer, reconcileTimeout: '60s' }, []);

  it('runs read-only as 65532 with no capabilities and bootstraps a GitRepository shoot from the baked bundle', async () => {
    const landscape = currentLandscape();
    // podman creates the container a moment after the landscape spawned it.
    const inspectContainer = async () => {
      const output = await runPodman(['container', 'inspect', containerName]).catch(() => '[]');
      return (JSON.parse(output) as ContainerView[])[0];
    };
    await expect.poll(async () => (await inspectContainer())?.State.Running).toBe(true);
    const inspected = await inspectContainer();
    expect(inspected).toMatchObject({
      Config: { User: String(imageUser) },
      HostConfig: { ReadonlyRootfs: true, NetworkMode: 'host' },
    });
    expect(inspected?.EffectiveCaps ?? []).toEqual([]);

    const namespace = buildSeedNamespace('image');
    const gardenlet = landscape.gardenlet(namespace);
    await landscape.git.createRepository('fleet', buildSourceFiles('from-image'));
    await gardenlet.createShoot({ name: 'image', projectNamespace: 'garden-image' });
    const createdAt = Date.now();
    await gardenlet.createExtension({
      apiVersion: 'flux.extensions.gardener.cloud/v1alpha1',
      kind: 'FluxConfig',
      flux: { namespace: 'flux-system' },
      source: {
        template: {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          spec: { url: landscape.git.url('fleet'), ref: { branch: 'main' }, interval: '1m', timeout: '20s' },
        },
      },
      kustomization: { template: kustomizationTemplate },
    });
    await landscape.ensureFluxControllers();

    await expectBootstrapped(gardenlet, createdAt, 'image: GitRepository');
    await expectShootInfoApplied(landscape, 'from-image', { name: 'image', seedNamespace: namespace });
  });

  it('ships production dependencies only, no shell, and the CLI as entrypoint; prints its size', async () => {
    const [config] = JSON.parse(await runPodman(['image', 'inspect', image])) as {
      Size: number;
      Config: { User: string; Entrypoint: string[] };
    }[];
    expect(config?.Config.User).toBe(`${imageUser}:${imageUser}`);
    expect(config?.Config.Entrypoint).toEqual(['/nodejs/bin/node', '/app/dist/cli/main.js']);
    console.log(`[image] ${image}: ${((config?.Size ?? 0) / 1e6).toFixed(0)} MB`);

    const installed = JSON.parse(
      await runPodman([
        'run',
        '--rm',
        '--read-only',
        '--entrypoint=/nodejs/bin/node',
        image,
        '-e',
        listPackagesScript,
      ]),
    ) as string[];
    const locked = readLockedPackages();
    expect(installed.filter((name) => !locked.production.has(name))).toEqual([]);
    expect([...locked.required].filter((name) => !installed.includes(name))).toEqual([]);

    for (const shell of ['/bin/sh', '/bin/bash', '/usr/bin/sh']) {
      await expect(runPodman(['run', '--rm', `--entrypoint=${shell}`, image, '-c', 'true'])).rejects.toThrow(
        /no such file or directory|not found/i,
      );
    }
  });
});
