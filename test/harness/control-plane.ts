import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { assets, resolveAsset } from './assets.js';
import { installCrds } from './crd-install.js';
import { ManagedProcess, freePort, pollUntil } from './processes.js';
import { findCrdFiles, type CrdSet } from './testdata.js';

/** A running etcd + kube-apiserver pair on loopback, with an admin kubeconfig. */
export interface ControlPlane {
  readonly name: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  /** The admin bearer token (member of system:masters). */
  readonly token: string;
  /** The CA bundle that verifies the serving certificate. */
  readonly caFile: string;
  /** Working directory: data, certificates, logs. Removed by stop(). */
  readonly dir: string;
  /** PIDs of etcd and kube-apiserver. */
  readonly pids: number[];
  /** The last lines etcd and kube-apiserver printed. */
  logs(): string;
  /** Installs the CRDs of the given YAML files and waits until they are established and served. */
  installCrds(files: string[]): Promise<void>;
  /** Stops both processes and removes the working directory. Idempotent. */
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Shows in logs, kubeconfig names and the temp directory. */
  name?: string;
  /** CRD sets found by the harness (see testdata.ts). */
  crds?: CrdSet[];
  /** Further CRD files or directories. */
  crdFiles?: string[];
  /** Where to write the kubeconfig; default inside the working directory. */
  kubeconfigOut?: string;
  /** Start-up budget; 2 cores need far more than envtest's 20 s. */
  startTimeoutMs?: number;
  progress?: (line: string) => void;
  /**
   * `--service-cluster-ip-range`; default `10.0.0.0/24` (254 Services). A shoot server of the
   * fleet bench holds hundreds of Flux installations, three Services each.
   */
  serviceClusterIpRange?: string;
}

function workRoot(): string {
  // etcd fsyncs a lot; memory-backed storage keeps start-up and writes fast.
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/** GETs a URL of the API server with the admin token; resolves with status and body. */
function apiGet(url: string, token: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      url,
      {
        headers: { Authorization: `Bearer ${token}` },
        ...(ca ? { ca } : { rejectUnauthorized: false }),
        timeout: 5_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

/**
 * Starts etcd and kube-apiserver on random loopback ports in a fresh directory, waits for
 * `/readyz`, writes an admin kubeconfig, installs the requested CRDs. On failure everything
 * started is stopped again and the error carries the control plane's own logs.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const attempt = async () => startOnce(options);
  try {
    return await attempt();
  } catch (err) {
    // Free ports are only suggested; another process may take one before we bind it.
    if (/address already in use/i.test((err as Error).message)) return attempt();
    throw err;
  }
}

async function startOnce(options: ControlPlaneOptions): Promise<ControlPlane> {
  const name = options.name ?? 'test';
  const progress = options.progress ?? (() => undefined);
  const timeout = options.startTimeoutMs ?? 90_000;
  const [etcdBin, apiserverBin] = await Promise.all([
    resolveAsset(assets.etcd, { progress }),
    resolveAsset(assets.kubeApiserver, { progress }),
  ]);
  const dir = await mkdtemp(path.join(workRoot(), `shoot-flux-${name}-`));
  const [etcdClientPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  await mkdir(path.join(dir, 'pki'), { recursive: true });
  await writeFile(path.join(dir, 'tokens.csv'), `${token},admin,admin-uid,"system:masters"\n`, {
    mode: 0o600,
  });
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await writeFile(path.join(dir, 'sa.key'), privateKey, { mode: 0o600 });

  const processes: ManagedProcess[] = [];
  const stopProcesses = async () => {
    for (const p of [...processes].reverse()) await p.stop();
  };
  const logs = () => processes.map((p) => `--- ${p.name} (last lines) ---\n${p.logs()}`).join('\n');
  const diedReason = (p: ManagedProcess) => () => (p.hasExited ? `${p.name} exited` : undefined);

  try {
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const etcd = new ManagedProcess(
      'etcd',
      etcdBin.path,
      [
        '--name=default',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      { logFile: path.join(dir, 'etcd.log') },
    );
    processes.push(etcd);
    await pollUntil(
      `${name}: etcd health`,
      async () => {
        const response = await fetch(`${etcdUrl}/health`);
        return response.ok && ((await response.json()) as { health?: string }).health === 'true';
      },
      timeout,
      diedReason(etcd),
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = new ManagedProcess(
      'kube-apiserver',
      apiserverBin.path,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${path.join(dir, 'pki')}`,
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${path.join(dir, 'sa.key')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        `--service-cluster-ip-range=${options.serviceClusterIpRange ?? '10.0.0.0/24'}`,
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        '--v=0',
      ],
      { logFile: path.join(dir, 'kube-apiserver.log') },
    );
    processes.push(apiserver);
    const caFile = path.join(dir, 'pki', 'apiserver.crt');
    await pollUntil(
      `${name}: kube-apiserver /readyz`,
      async () => {
        if (!existsSync(caFile)) return false;
        const response = await apiGet(`${server}/readyz`, token, await readFile(caFile));
        return response.status === 200;
      },
      timeout,
      diedReason(apiserver),
    );

    const kubeconfigPath = options.kubeconfigOut ?? path.join(dir, 'kubeconfig');
    // A unique user name: client-node caches credentials by user name across configs.
    const user = `admin-${name}-${apiPort}`;
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority': caFile } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name, context: { cluster: name, user } }],
      'current-context': name,
    };
    await mkdir(path.dirname(kubeconfigPath), { recursive: true });
    await writeFile(kubeconfigPath, yaml.dump(kubeconfig), { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    let stopped = false;
    const plane: ControlPlane = {
      name,
      server,
      kubeconfigPath,
      kubeConfig,
      token,
      caFile,
      dir,
      pids: processes.map((p) => p.pid).filter((pid): pid is number => pid !== undefined),
      logs,
      installCrds: (files) => installCrds(kubeConfig, files, timeout),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopProcesses();
        await rm(dir, { recursive: true, force: true });
        if (options.kubeconfigOut) await rm(options.kubeconfigOut, { force: true });
      },
    };
    const crdFiles = [...(options.crdFiles ?? [])];
    for (const set of options.crds ?? []) crdFiles.push(...(await findCrdFiles(set)));
    if (crdFiles.length > 0) {
      progress(`${name}: installing CRDs from ${crdFiles.length} files`);
      await plane.installCrds(crdFiles);
    }
    return plane;
  } catch (err) {
    const message = `${(err as Error).message}\n${logs()}`;
    await stopProcesses();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`control plane ${name} failed to start: ${message}`, { cause: err });
  }
}
