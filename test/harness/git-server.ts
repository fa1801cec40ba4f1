import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The smart-HTTP CGI program: `$SHOOT_FLUX_GIT_HTTP_BACKEND`, else where Debian's git keeps it. */
export function gitHttpBackendPath(): string {
  return process.env.SHOOT_FLUX_GIT_HTTP_BACKEND ?? '/usr/lib/git-core/git-http-backend';
}

/** Basic-auth credentials a server demands, or a client presents. */
export interface BasicAuth {
  username: string;
  password: string;
}

/** One request the git server answered, for assertions and failure messages. */
export interface GitRequestRecord {
  method: string;
  path: string;
  status: number;
}

/** A Git smart-HTTP server on 127.0.0.1 serving bare repositories the test creates. */
export interface GitServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** The clone URL of a repository: `http://127.0.0.1:<port>/<name>.git`. */
  url(repository: string): string;
  /**
   * Creates a bare repository with one commit holding `files` (path → content) on `branch`, with
   * a fixed author and date; resolves with the commit SHA.
   */
  createRepository(name: string, files: Record<string, string>, branch?: string): Promise<string>;
  /** Adds a commit to a repository's branch that writes `files` (others stay); resolves with its SHA. */
  commitFiles(name: string, files: Record<string, string>, branch?: string): Promise<string>;
  /** Every request answered so far, oldest first. */
  requests(): readonly GitRequestRecord[];
  /** Closes the server, ends running CGI processes and removes the repositories. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startGitServer}. */
export interface GitServerOptions {
  /** Demand these credentials (HTTP basic auth) on every request. */
  auth?: BasicAuth;
}

// Fixed identity and time: the same files always give the same commit SHA, and the user's own
// git configuration (signing, hooks, templates) never leaks in.
function gitEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'shoot-flux test',
    GIT_AUTHOR_EMAIL: 'test@shoot-flux.invalid',
    GIT_COMMITTER_NAME: 'shoot-flux test',
    GIT_COMMITTER_EMAIL: 'test@shoot-flux.invalid',
    GIT_AUTHOR_DATE: '2025-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2025-01-01T00:00:00Z',
  };
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnvironment() });
    return stdout.trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`git ${args.join(' ')} failed: ${stderr.trim() || (err as Error).message}`, {
      cause: err,
    });
  }
}

const repositoryName = /^[a-z0-9][a-z0-9._-]*$/i;

function hasCredentials(header: string | undefined, auth: BasicAuth): boolean {
  if (!header?.startsWith('Basic ')) return false;
  const presented = Buffer.from(header.slice('Basic '.length), 'base64');
  const expected = Buffer.from(`${auth.username}:${auth.password}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** Splits CGI output into its status, headers and the start of the body. */
function parseCgiHead(
  head: Buffer,
): { status: number; headers: [string, string][]; rest: Buffer } | undefined {
  let end = head.indexOf('\r\n\r\n');
  let separator = 4;
  if (end < 0) {
    end = head.indexOf('\n\n');
    separator = 2;
  }
  if (end < 0) return undefined;
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([name, value]);
  }
  return { status, headers, rest: head.subarray(end + separator) };
}

/**
 * Starts `git http-backend` (CGI) behind a `node:http` server on a random 127.0.0.1 port; all
 * repositories live in a fresh temporary directory that stop() removes.
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const backend = gitHttpBackendPath();
  if (!existsSync(backend)) {
    throw new Error(`${backend} not found: install Debian's git package, or set SHOOT_FLUX_GIT_HTTP_BACKEND`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-git-'));
  const projectRoot = path.join(dir, 'repositories');
  const workRoot = path.join(dir, 'work');
  await mkdir(projectRoot);
  await mkdir(workRoot);
  const cgiProcesses = new Set<ChildProcess>();
  const records: GitRequestRecord[] = [];

  const handle = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const record = (status: number) =>
      records.push({ method: request.method ?? '', path: url.pathname, status });
    if (options.auth && !hasCredentials(request.headers.authorization, options.auth)) {
      record(401);
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="shoot-flux-test-git"' }).end();
      request.resume();
      return;
    }
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : (value ?? '');
    };
    const child = spawn(backend, [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...gitEnvironment(),
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        GATEWAY_INTERFACE: 'CGI/1.1',
        SERVER_PROTOCOL: 'HTTP/1.1',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        CONTENT_TYPE: header('content-type'),
        ...(header('content-length') ? { CONTENT_LENGTH: header('content-length') } : {}),
        REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
        REMOTE_USER: options.auth?.username ?? '',
        // Clients gzip large upload-pack requests; the backend inflates them itself.
        HTTP_CONTENT_ENCODING: header('content-encoding'),
        GIT_PROTOCOL: header('git-protocol'),
      },
    });
    cgiProcesses.add(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    let head = Buffer.alloc(0);
    let headerSent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headerSent) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (!parsed) return;
      headerSent = true;
      record(parsed.status);
      response.writeHead(parsed.status, parsed.headers);
      if (parsed.rest.length > 0) response.write(parsed.rest);
    });
    child.on('close', (code) => {
      cgiProcesses.delete(child);
      if (!headerSent) {
        record(502);
        response.writeHead(502, { 'Content-Type': 'text/plain' });
        response.end(`git http-backend exited ${code}: ${stderr}`);
        return;
      }
      response.end();
    });
    child.on('error', (err) => {
      if (!headerSent) {
        headerSent = true;
        record(500);
        response.writeHead(500, { 'Content-Type': 'text/plain' }).end(err.message);
      }
    });
    // A client that goes away must not leave the CGI process waiting on its stdin.
    child.stdin.on('error', () => undefined);
    request.pipe(child.stdin);
  };

  const server = http.createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;

  const checkName = (name: string) => {
    if (!repositoryName.test(name)) throw new Error(`invalid repository name ${JSON.stringify(name)}`);
  };
  const bareDir = (name: string) => path.join(projectRoot, `${name}.git`);
  const workDir = (name: string) => path.join(workRoot, name);

  const commit = async (name: string, files: Record<string, string>, branch: string) => {
    const work = workDir(name);
    for (const [file, content] of Object.entries(files)) {
      const target = path.resolve(work, file);
      if (!target.startsWith(work + path.sep)) throw new Error(`file ${file} is outside the repository`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await git(work, ['add', '--all']);
    await git(work, [
      'commit',
      '--quiet',
      '--allow-empty',
      '--message',
      `test commit of ${Object.keys(files).length} files`,
    ]);
    await git(work, ['push', '--quiet', bareDir(name), `HEAD:refs/heads/${branch}`]);
    return git(work, ['rev-parse', 'HEAD']);
  };

  let stopped = false;
  return {
    baseUrl,
    url: (repository) => `${baseUrl}/${repository}.git`,
    createRepository: async (name, files, branch = 'main') => {
      checkName(name);
      if (existsSync(bareDir(name))) throw new Error(`repository ${name} exists already`);
      await git(projectRoot, ['init', '--quiet', '--bare', `--initial-branch=${branch}`, bareDir(name)]);
      await git(workRoot, ['init', '--quiet', `--initial-branch=${branch}`, workDir(name)]);
      return commit(name, files, branch);
    },
    commitFiles: async (name, files, branch = 'main') => {
      checkName(name);
      if (!existsSync(bareDir(name))) throw new Error(`repository ${name} does not exist`);
      const work = workDir(name);
      // Continue the branch where the server has it (it may be new in this working copy).
      const known = await git(work, ['branch', '--list', branch]);
      await git(work, known ? ['checkout', '--quiet', branch] : ['checkout', '--quiet', '-b', branch]);
      return commit(name, files, branch);
    },
    requests: () => records,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const child of cgiProcesses) child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
