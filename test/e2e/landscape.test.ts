import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { withoutClusterSelection } from '../../hack/landscape/landscape.js';
import { repoRoot } from '../harness/assets.js';
import { ManagedProcess, livePids } from '../harness/processes.js';

// `npm start` as a user runs it: the start script as a black box, its output and exit code, and
// what it built (shoots, probes). Each test starts its own landscape.

/** `npm start -- <args>` (the same script under tsx), with its whole output kept. */
function runStart(args: string[], env: NodeJS.ProcessEnv, logFile: string) {
  const process_ = new ManagedProcess(
    'npm-start',
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'hack', 'start.ts'), ...args],
    { logFile, cwd: repoRoot, env },
  );
  let output = '';
  const keep = (chunk: Buffer) => (output += chunk.toString('utf8'));
  process_.child.stdout?.on('data', keep);
  process_.child.stderr?.on('data', keep);
  return { process: process_, output: () => output };
}

/** A TCP server on loopback that counts connections and closes them: a cluster nobody may call. */
async function startConnectionTrap(dir: string) {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const kubeconfigPath = path.join(dir, 'production.kubeconfig');
  await writeFile(
    kubeconfigPath,
    yaml.dump({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'production', cluster: { server: `https://127.0.0.1:${port}` } }],
      users: [{ name: 'admin', user: { token: 'production-token' } }],
      contexts: [{ name: 'production', context: { cluster: 'production', user: 'admin' } }],
      'current-context': 'production',
    }),
  );
  return {
    port,
    kubeconfigPath,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** The environment of a developer with a production cluster configured every way there is. */
function productionEnvironment(trap: { port: number; kubeconfigPath: string }): NodeJS.ProcessEnv {
  // CI=true would stop the landscape right after the bootstrap; these tests look around first.
  const env = withoutClusterSelection(process.env);
  delete env.CI;
  return {
    ...env,
    KUBECONFIG: trap.kubeconfigPath,
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: String(trap.port),
  };
}

/** The parts of example/landscape/shoot.yaml the tests edit. */
interface ExampleShoot {
  spec: {
    extensions: {
      providerConfig: {
        source: Record<string, unknown> & {
          template: Record<string, unknown> & { spec: Record<string, unknown> & { url: string } };
        };
      };
    }[];
  };
}

async function readExampleShoot(): Promise<ExampleShoot> {
  const text = await readFile(path.join(repoRoot, 'example', 'landscape', 'shoot.yaml'), 'utf8');
  return yaml.load(text) as ExampleShoot;
}

async function readGreeting(kubeconfigPath: string): Promise<string | undefined> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path.resolve(repoRoot, kubeconfigPath));
  const configMap = await kubeConfig
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ name: 'hello-from-flux', namespace: 'default' });
  return configMap.data?.greeting;
}

describe('e2e: npm start, the local landscape', () => {
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    expect(livePids()).toEqual([]);
  });

  const setup = async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-e2e-start-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const trap = await startConnectionTrap(dir);
    cleanups.push(trap.close);
    return trap;
  };

  const start = (args: string[], env: NodeJS.ProcessEnv) => {
    const run = runStart(args, env, path.join(dir, 'start.log'));
    cleanups.push(() => run.process.stop());
    return run;
  };

  it('--shoots 2 of the OCI edit of shoot.yaml bootstraps an OCI and a Git shoot, serves probes and metrics, and never contacts $KUBECONFIG', async () => {
    const trap = await setup();
    // The edit shoot.yaml documents (Git → OCI), next to a copy of its fleet directory; the
    // unedited file is what `npm start` in CI runs.
    const shoot = await readExampleShoot();
    const extension = shoot.spec.extensions[0];
    if (!extension) throw new Error('the example has no extension');
    extension.providerConfig.source = {
      template: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'OCIRepository',
        spec: {
          url: 'oci://landscape-registry.invalid/fleet',
          ref: { tag: 'latest' },
          interval: '1m',
          insecure: true,
        },
      },
      secretResourceName: 'registry-credentials',
    };
    const shootFile = path.join(dir, 'shoot.yaml');
    await writeFile(shootFile, yaml.dump(shoot));
    await cp(path.join(repoRoot, 'example', 'landscape', 'fleet'), path.join(dir, 'fleet'), {
      recursive: true,
    });
    const run = start(['--shoots', '2', '--shoot-file', shootFile], productionEnvironment(trap));
    await expect
      .poll(() => run.process.hasExited || run.output().includes('Ctrl-C stops everything.'))
      .toBe(true);
    const output = run.output();
    expect(run.process.hasExited, output).toBe(false);

    expect(output).toContain('ignoring $KUBECONFIG, $KUBERNETES_SERVICE_HOST');
    expect(output).toMatch(
      /^Shoot local-1 {2}OCIRepository {2}bootstrapped in \d+\.\ds {2}\(latest@sha256:[0-9a-f]{64}\)$/m,
    );
    expect(output).toMatch(
      /^Shoot local-2 {2}GitRepository {2}bootstrapped in \d+\.\ds {2}\(main@sha1:[0-9a-f]{40}\)$/m,
    );
    expect(output).toMatch(
      /^2\/2 shoots bootstrapped in \d+\.\ds \(per shoot, Extension created → FluxBootstrapped=True: p50 \d+\.\ds, max \d+\.\ds\)$/m,
    );
    expect(output).toContain(
      'get events --field-selector involvedObject.kind=Extension,involvedObject.name=shoot-flux',
    );
    // Day-2 health: each shoot's health conditions, then the fleet view of `status`.
    for (const name of ['local-1', 'local-2']) {
      expect(output).toMatch(
        new RegExp(
          `Health of ${name}: SystemComponentsHealthy=True \\(HealthCheckSuccessful\\): All Flux controllers are available: [^;]+; ` +
            'FluxSynced=True \\(Succeeded\\): Kustomization \\S+ is ready$',
          'm',
        ),
      );
    }
    expect(output).toContain('Fleet view (gardener-extension-shoot-flux status -o wide):');
    expect(output).toMatch(
      /^NAMESPACE +STATE +BOOTSTRAPPED +SYNCMODE +VERSION +REVISION +SYNCED +SYSTEM +CHECKED +ERROR$/m,
    );
    const fleetRows = output.match(
      /^shoot--\S+ +Succeeded +true +\S+ +v\d+\.\d+\.\d+\/v\d+\.\d+\.\d+ +\S+@\S+ +True +True +\d+s +<none>$/gm,
    );
    expect(fleetRows, output).toHaveLength(2);
    expect(output).toMatch(/status --kubeconfig \S+seed\.kubeconfig -o wide$/m);

    // Each shoot is its own cluster, and real Flux applied the fleet with shoot-info substituted.
    const kubeconfigs = [
      ...new Set([...output.matchAll(/kubeconfig (\S+\/shoot-\d\.kubeconfig)/g)].map((m) => m[1] ?? '')),
    ];
    expect(kubeconfigs).toHaveLength(2);
    expect(await Promise.all(kubeconfigs.map(readGreeting))).toEqual([
      'Hello from Flux, shoot local-1',
      'Hello from Flux, shoot local-2',
    ]);

    const endpoints =
      /(http:\/\/127\.0\.0\.1:\d+\/metrics)\s+(http:\/\/127\.0\.0\.1:\d+\/healthz)\s+(http:\/\/127\.0\.0\.1:\d+\/readyz)/.exec(
        output,
      );
    const [, metrics = '', healthz = '', readyz = ''] = endpoints ?? [];
    const metricsText = await (await fetch(metrics)).text();
    expect(metricsText).toContain('shoot_flux_bootstrap_duration_seconds_count{result="success"} 2');
    expect((await fetch(healthz)).status).toBe(200);
    const ready = await fetch(readyz);
    expect({ status: ready.status, body: await ready.text() }).toEqual({
      status: 200,
      body: '[+]informer-sync ok\nok\n',
    });

    // Ctrl-C stops everything, cleanly.
    run.process.child.kill('SIGINT');
    expect(await run.process.waitForExit()).toBe(0);
    expect(run.output()).toContain('stopped; nothing left running');
    expect(trap.connections()).toBe(0);
  });

  it('stops with Flux’s message after the printed deadline when the source cannot be reached', async () => {
    const trap = await setup();
    // The example, its source pointed at a port nothing listens on (and no credentials needed).
    const shoot = await readExampleShoot();
    const source = shoot.spec.extensions[0]?.providerConfig.source;
    if (!source) throw new Error('the example has no source');
    source.template.spec.url = 'http://127.0.0.1:1/fleet.git';
    delete source.secretResourceName;
    const shootFile = path.join(dir, 'shoot.yaml');
    await writeFile(shootFile, yaml.dump(shoot));

    // Long enough for a requeue (the landscape's controller waits 30 s per reconcile) and for
    // source-controller to retry a few times (its back-off passes 50 s): both used to replace
    // Flux's complaint in the description.
    const run = start(['--shoot-file', shootFile, '--bootstrap-timeout', '60s'], productionEnvironment(trap));
    expect(await run.process.waitForExit()).toBe(1);
    const output = run.output();
    expect(output).toContain('waiting up to 60s for FluxBootstrapped=True (--bootstrap-timeout)');
    expect(output).toMatch(
      /^landscape failed: Shoot local {2}GitRepository {2}NOT bootstrapped: not within 60s \(--bootstrap-timeout\); the Extension says Processing: Waiting for GitRepository flux-system\/flux-system: failed to checkout and determine revision: .*connection refused/m,
    );
    // Every description the landscape printed once Flux first complained still carries it.
    const descriptions = [...output.matchAll(/^\[landscape +[\d.]+s\] local: Extension (.*)$/gm)].map(
      (m) => m[1] ?? '',
    );
    const first = descriptions.findIndex((d) => d.includes('connection refused'));
    expect(first, output).toBeGreaterThanOrEqual(0);
    for (const description of descriptions.slice(first)) expect(description).toContain('connection refused');
    expect(output).toContain('stopped; nothing left running');
    expect(trap.connections()).toBe(0);
  });

  it('refuses --kubeconfig and points at npm run controller', async () => {
    const trap = await setup();
    const run = start(['--kubeconfig', trap.kubeconfigPath], productionEnvironment(trap));
    expect(await run.process.waitForExit()).toBe(2);
    expect(run.output()).toContain('npm run controller -- --kubeconfig FILE');
    expect(trap.connections()).toBe(0);
  });
});
