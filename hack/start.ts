// `npm start`: always the local landscape, never a cluster of yours. Starts seed and shoot control
// planes, a Git server and (for OCI sources) a registry serving example/landscape/fleet, real Flux
// controllers, gardenlet's objects for example/landscape/shoot.yaml and the built controller;
// prints progress until every shoot is bootstrapped (or the deadline passes, with the Extension's
// message), then how to reach everything, and runs until Ctrl-C. See `npm start -- --help`.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assets, cachedAssetPath, repoRoot, resolveAsset, type AssetSpec } from '../test/harness/assets.js';
import { buildShootLines, buildSummaryLine, type ShootOutcome } from './landscape/bootstrap-report.js';
import {
  deployShoot,
  describeLastOperation,
  publishSources,
  waitForBootstrap,
  type DeployedShoot,
  type SourceCredentials,
} from './landscape/bootstrap-shoots.js';
import { builtCli, startLandscape, withoutClusterSelection, type Landscape } from './landscape/landscape.js';
import { readFleetStatus, waitForHealthReports } from './landscape/health-report.js';
import { buildShootVariants, decodeLandscapeShoot, type LandscapeShoot } from './landscape/shoot-file.js';
import {
  StartUsageError,
  parseStartOptions,
  startUsage,
  type StartOptions,
} from './landscape/start-options.js';

const startedAt = Date.now();
const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)}s`;
const say = (line: string) => process.stdout.write(`[landscape ${elapsed().padStart(6)}] ${line}\n`);
const relative = (file: string) => path.relative(process.cwd(), file);

/** Resolves (downloads or builds) every binary the landscape needs, saying how long a first run takes. */
async function prepareAssets(): Promise<void> {
  const needed: AssetSpec[] = [
    assets.etcd,
    assets.kubeApiserver,
    assets.sourceController,
    assets.kustomizeController,
  ];
  const missing: AssetSpec[] = [];
  const found: string[] = [];
  for (const spec of needed) {
    await resolveAsset(spec, { lookOnly: true }).then(
      (resolved) => found.push(`${spec.name} (${resolved.origin})`),
      () => missing.push(spec),
    );
  }
  if (missing.length === 0) {
    say(`assets ready: ${found.join(', ')}`);
    return;
  }
  say(
    `preparing assets (first run only): ${missing.map((s) => `${s.name} ${s.version}`).join(', ')} → ` +
      `${path.dirname(cachedAssetPath(missing[0] ?? assets.etcd))}; downloads take seconds, a cold Go ` +
      'build 1.5-3.5 minutes per binary on 2 cores (all four about 8 minutes); later runs start in seconds',
  );
  for (const spec of missing) {
    const t0 = Date.now();
    const resolved = await resolveAsset(spec, { progress: (line) => say(`  ${line}`) });
    say(`  ${spec.name} ready (${resolved.origin}, ${((Date.now() - t0) / 1000).toFixed(0)}s)`);
  }
}

/** What runs and how to reach it, and where to look first. */
function printRunning(landscape: Landscape, deployed: readonly DeployedShoot[], statuses: string[]): void {
  const seedKubeconfig = relative(landscape.seed.kubeconfigPath);
  const endpoints = landscape.controllerEndpoints;
  const first = deployed[0];
  if (!first) return;
  const shootKubeconfig = relative(first.cluster.controlPlane.kubeconfigPath);
  const fluxNamespace =
    (first.providerConfig as { flux?: { namespace?: string } }).flux?.namespace ?? 'flux-system';
  const nameWidth = Math.max(...deployed.map((d) => d.shoot.spec.name.length));
  const lines = [
    '',
    'Running:',
    `  seed API server    ${landscape.seed.server}   kubeconfig ${seedKubeconfig}`,
    `  Git server         ${landscape.git.baseUrl} (basic auth, credentials in the seed secrets)`,
    ...(landscape.registry
      ? [`  OCI registry       ${landscape.registry.baseUrl} (basic auth, credentials in the seed secrets)`]
      : []),
    `  controller         pid ${landscape.controller.pid ?? '?'}, log ${relative(landscape.controllerLogFile)}`,
    `                     ${endpoints.metrics}  ${endpoints.healthz}  ${endpoints.readyz}`,
    '',
    'Shoots (each its own API server, with real source-controller and kustomize-controller):',
    ...deployed.map(
      (d, i) =>
        `  ${d.shoot.spec.name.padEnd(nameWidth)}  ${d.cluster.controlPlane.server}   kubeconfig ` +
        `${relative(d.cluster.controlPlane.kubeconfigPath)}   seed namespace ${d.seedNamespace}\n` +
        `  ${''.padEnd(nameWidth)}  ${statuses[i] ?? ''}`,
    ),
    '',
    `Look around (any kubectl), shoot ${first.shoot.spec.name}:`,
    `  kubectl --kubeconfig ${seedKubeconfig} -n ${first.seedNamespace} get extension shoot-flux -o yaml`,
    `  kubectl --kubeconfig ${seedKubeconfig} -n ${first.seedNamespace} get events --field-selector involvedObject.kind=Extension,involvedObject.name=shoot-flux`,
    `  kubectl --kubeconfig ${shootKubeconfig} -n ${fluxNamespace} get gitrepositories,ocirepositories,kustomizations`,
    `  kubectl --kubeconfig ${shootKubeconfig} -n default get configmap hello-from-flux -o yaml`,
    `  curl -s ${endpoints.metrics} | grep '^shoot_flux'`,
    `  node ${relative(builtCli)} status --kubeconfig ${seedKubeconfig} -o wide`,
    '',
    'Edit example/landscape/ and run npm start again to try another config. Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

/** Bootstraps the shoots in the running landscape; resolves with each shoot's outcome and the time taken. */
async function bootstrapShoots(
  landscape: Landscape,
  options: StartOptions,
  shoots: readonly LandscapeShoot[],
  sourceDir: string,
  credentials: SourceCredentials,
): Promise<{ deployed: DeployedShoot[]; outcomes: ShootOutcome[]; seconds: number }> {
  await publishSources(landscape, shoots, sourceDir, credentials, say);
  const deployed = await Promise.all(
    shoots.map((shoot, i) => {
      const cluster = landscape.shoots[i];
      if (!cluster) throw new Error(`no shoot cluster for ${shoot.spec.name}`);
      return deployShoot(landscape, shoot, cluster, credentials);
    }),
  );
  say(
    `gardenlet objects written for ${deployed.map((d) => `${d.shoot.spec.name} (${d.shoot.sourceKind ?? 'no source'}, namespace ${d.seedNamespace})`).join(', ')}: ` +
      'Cluster, secrets, Extension shoot-flux',
  );
  const firstCreated = Math.min(...deployed.map((d) => d.createdAt));
  const deadlineText = `${Math.round(options.bootstrapTimeoutMs / 1000)}s`;
  say(`waiting up to ${deadlineText} for FluxBootstrapped=True (--bootstrap-timeout)`);
  let fluxFailure: string | undefined;
  for (const cluster of landscape.shoots) {
    cluster.ensureFluxControllers(options.bootstrapTimeoutMs).catch((err: unknown) => {
      fluxFailure ??= `real Flux did not start in ${cluster.name}: ${(err as Error).message}`;
    });
  }
  const outcomes = await Promise.all(
    deployed.map((d) =>
      waitForBootstrap(d, {
        deadlineAt: d.createdAt + options.bootstrapTimeoutMs,
        deadlineText,
        broken: () => (landscape.controller.hasExited ? 'the controller exited' : fluxFailure),
        say,
      }),
    ),
  );
  return { deployed, outcomes, seconds: (Date.now() - firstCreated) / 1000 };
}

async function startLocalLandscape(options: StartOptions): Promise<void> {
  if (!existsSync(builtCli)) {
    process.stderr.write(`${builtCli} is missing: run "npm run build" (part of "npm run setup") first\n`);
    process.exit(1);
  }
  const shootFile = path.resolve(
    options.shootFile ?? path.join(repoRoot, 'example', 'landscape', 'shoot.yaml'),
  );
  const outDir = path.join(repoRoot, '.testenv', 'landscape');
  await mkdir(outDir, { recursive: true });
  await prepareAssets();

  const credentials: SourceCredentials = {
    git: { username: 'fleet', password: randomBytes(12).toString('hex') },
    registry: { username: 'fleet', password: randomBytes(12).toString('hex') },
  };
  let landscape: Landscape | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the landscape');
    await landscape?.stop();
    say('stopped; nothing left running');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => void shutdown(0));
  }

  try {
    const shoots = buildShootVariants(
      decodeLandscapeShoot(await readFile(shootFile, 'utf8'), relative(shootFile)),
      options.shoots,
    );
    landscape = await startLandscape({
      gitAuth: credentials.git,
      registry: shoots.some((s) => s.served?.kind === 'OCIRepository')
        ? { auth: credentials.registry }
        : undefined,
      shootClusters: shoots.length === 1 ? ['shoot'] : shoots.map((_, i) => `shoot-${String(i + 1)}`),
      kubeconfigDir: outDir,
      logDir: outDir,
      gardenClusterIdentity: 'landscape',
      progress: say,
    });
    const { deployed, outcomes, seconds } = await bootstrapShoots(
      landscape,
      options,
      shoots,
      path.dirname(shootFile),
      credentials,
    );
    process.stdout.write(
      `${[...buildShootLines(outcomes), buildSummaryLine(outcomes, seconds)].join('\n')}\n`,
    );
    if (outcomes.some((o) => !o.bootstrapped)) {
      process.stderr.write(
        `\n--- controller (last lines; all in ${relative(landscape.controllerLogFile)}) ---\n` +
          `${landscape.controller.logs(10)}\n\n`,
      );
      for (const line of buildShootLines(outcomes.filter((o) => !o.bootstrapped))) {
        process.stderr.write(`landscape failed: ${line}\n`);
      }
      await shutdown(1);
      return;
    }
    // Day-2 health as an operator sees it: the conditions of the first health check (it runs
    // right after each bootstrap) and the fleet view of the `status` command.
    say('waiting up to 60s for the first health check (SystemComponentsHealthy, FluxSynced)');
    for (const line of await waitForHealthReports(deployed, Date.now() + 60_000)) say(line);
    const fleetStatus = await readFleetStatus(landscape.seed.kubeconfigPath).catch(
      (err: unknown) => `status failed: ${(err as Error).message}\n`,
    );
    process.stdout.write(`\nFleet view (gardener-extension-shoot-flux status -o wide):\n${fleetStatus}\n`);
    if (options.exitWhenBootstrapped) {
      await shutdown(0);
      return;
    }
    const statuses = await Promise.all(
      deployed.map(async (d) => {
        const extension = await d.gardenlet.extension().catch(() => undefined);
        const conditions = (extension?.status?.conditions ?? []).map(
          (c) => `${c.type}=${c.status} (${c.reason})`,
        );
        return [describeLastOperation(extension), ...conditions].join('; ');
      }),
    );
    printRunning(landscape, deployed, statuses);
  } catch (err) {
    process.stderr.write(`landscape failed: ${(err as Error).message}\n`);
    if (landscape) process.stderr.write(`${landscape.logs(60)}\n`);
    await shutdown(1);
  }
}

function main(): Promise<void> | undefined {
  const ignored = ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST'].filter((key) => process.env[key]);
  // From here on nothing in this process or its children can pick up a cluster by itself.
  const env = withoutClusterSelection(process.env);
  for (const key of Object.keys(process.env)) if (!(key in env)) Reflect.deleteProperty(process.env, key);
  let options: StartOptions;
  try {
    options = parseStartOptions(process.argv.slice(2), env);
  } catch (err) {
    if (!(err instanceof StartUsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${startUsage}\n`);
    return undefined;
  }
  say(
    'starting the local landscape' +
      (ignored.length > 0
        ? ` (ignoring ${ignored.map((k) => `$${k}`).join(', ')}: npm start never uses your clusters)`
        : ''),
  );
  return startLocalLandscape(options);
}

await main();
