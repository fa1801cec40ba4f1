import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import yaml from 'js-yaml';
import type { BasicAuth } from './git-server.js';
import { ManagedProcess, freePort, pollUntil } from './processes.js';

/** The registry binary: `$SHOOT_FLUX_DOCKER_REGISTRY`, else Debian's `docker-registry` (distribution 2.8). */
export function dockerRegistryPath(): string {
  return process.env.SHOOT_FLUX_DOCKER_REGISTRY ?? '/usr/bin/docker-registry';
}

/** An OCI registry (plain HTTP) on 127.0.0.1 with its own config and storage. */
export interface OciRegistry {
  /** `127.0.0.1:<port>`, the host part of image references. */
  readonly host: string;
  /** `http://127.0.0.1:<port>`, the distribution API base. */
  readonly baseUrl: string;
  /** The credentials it demands, if any. */
  readonly auth: BasicAuth | undefined;
  /** The OCIRepository URL of a repository: `oci://127.0.0.1:<port>/<repository>`. */
  url(repository: string): string;
  /** The last lines the registry printed. */
  logs(): string;
  /** Stops the registry and removes its storage. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startOciRegistry}. */
export interface OciRegistryOptions {
  /** Demand these credentials (htpasswd, basic auth) on every request. */
  auth?: BasicAuth;
  startTimeoutMs?: number;
}

/**
 * Starts `docker-registry serve` with a config of our own (never the package's `:5000` service):
 * random 127.0.0.1 port, storage in a temporary directory, optional htpasswd auth; waits until
 * `/v2/` answers.
 */
export async function startOciRegistry(options: OciRegistryOptions = {}): Promise<OciRegistry> {
  if (!existsSync(dockerRegistryPath())) {
    throw new Error(
      `${dockerRegistryPath()} not found: run "npm run system-packages" (Debian package docker-registry), ` +
        'or set SHOOT_FLUX_DOCKER_REGISTRY',
    );
  }
  try {
    return await startOnce(options);
  } catch (err) {
    // Free ports are only suggested; another process may take one before the registry binds it.
    if (/address already in use/i.test((err as Error).message)) return startOnce(options);
    throw err;
  }
}

async function startOnce(options: OciRegistryOptions): Promise<OciRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: path.join(dir, 'data') },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: host, secret: randomBytes(16).toString('hex') },
  };
  if (options.auth) {
    if (options.auth.username.includes(':')) throw new Error('registry user name must not contain ":"');
    const htpasswd = path.join(dir, 'htpasswd');
    await writeFile(htpasswd, `${options.auth.username}:${bcrypt.hashSync(options.auth.password, 10)}\n`, {
      mode: 0o600,
    });
    config.auth = { htpasswd: { realm: 'shoot-flux-test-registry', path: htpasswd } };
  }
  const configFile = path.join(dir, 'config.yml');
  await writeFile(configFile, yaml.dump(config));

  // REGISTRY_* variables override the config file; none of the caller's may leak in.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_')));
  const registry = new ManagedProcess('docker-registry', dockerRegistryPath(), ['serve', configFile], {
    logFile: path.join(dir, 'registry.log'),
    env,
  });
  const baseUrl = `http://${host}`;
  try {
    await pollUntil(
      `docker-registry on ${host}`,
      async () => {
        const response = await fetch(`${baseUrl}/v2/`, { signal: AbortSignal.timeout(2_000) });
        // 401 means it is up and demands the credentials we configured.
        return response.status === 200 || (options.auth !== undefined && response.status === 401);
      },
      options.startTimeoutMs ?? 30_000,
      () => (registry.hasExited ? `docker-registry exited:\n${registry.logs()}` : undefined),
    );
  } catch (err) {
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped = false;
  return {
    host,
    baseUrl,
    auth: options.auth,
    url: (repository) => `oci://${host}/${repository}`,
    logs: () => registry.logs(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await registry.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
