import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar } from 'tar';
import type { BasicAuth } from './git-server.js';

/** Media types of a Flux OCI artifact, as `flux push artifact` writes them (fluxcd/pkg/oci). */
export const fluxArtifactMediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.cncf.flux.config.v1+json',
  content: 'application/vnd.cncf.flux.content.v1.tar+gzip',
} as const;

/** What to push: a Flux artifact made of `files`, tagged `tag` in `repository`. */
export interface FluxArtifactPush {
  /** Registry base URL, plain HTTP: `http://127.0.0.1:<port>`. */
  registry: string;
  /** Repository path inside the registry, e.g. `manifests/app`. */
  repository: string;
  tag: string;
  /** path → content of every file in the artifact. */
  files: Record<string, string>;
  /** `org.opencontainers.image.source`, like `flux push artifact --source`. */
  source?: string;
  /** `org.opencontainers.image.revision`, like `flux push artifact --revision`. */
  revision?: string;
  /** `org.opencontainers.image.created` (RFC 3339); default now, to the second. */
  created?: string;
  auth?: BasicAuth;
}

/** The pushed artifact. */
export interface PushedFluxArtifact {
  /** Manifest digest `sha256:…`; source-controller reports the revision `<tag>@<digest>`. */
  digest: string;
  /** The OCIRepository URL (no tag): `oci://127.0.0.1:<port>/<repository>`. */
  url: string;
  /** `<tag>@<digest>`, the revision source-controller records for a tag ref. */
  revision: string;
}

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

function blobOf(mediaType: string, data: Buffer): Blob {
  return {
    mediaType,
    digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
    size: data.length,
    data,
  };
}

/** Tar of `files` (with their directories), fixed mtime, no owner names: same files, same bytes. */
async function buildTar(files: Record<string, string>, mtime: Date): Promise<Buffer> {
  const stage = await mkdtemp(path.join(tmpdir(), 'shoot-flux-artifact-'));
  try {
    for (const [file, content] of Object.entries(files)) {
      const target = path.resolve(stage, file);
      if (!target.startsWith(stage + path.sep))
        throw new Error(`artifact file ${file} is outside the artifact`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    const entries = (await readdir(stage)).sort();
    const chunks: Buffer[] = [];
    for await (const chunk of createTar({ cwd: stage, portable: true, mtime }, entries)) {
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…"` or `Basic realm="…"`. */
function parseChallenge(
  header: string | null,
): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) {
    const [, key, value] = match;
    if (key && value !== undefined) params[key] = value;
  }
  return { scheme, params };
}

/**
 * A distribution-API client that answers a 401 once: with basic credentials for a Basic
 * challenge, or with a token fetched from the realm for a Bearer challenge (token auth).
 */
function registryClient(registry: string, repository: string, auth: BasicAuth | undefined) {
  let authorization: string | undefined;
  const basic = auth && `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;

  const authorize = async (response: Response) => {
    const challenge = parseChallenge(response.headers.get('www-authenticate'));
    if (!basic)
      throw new Error(`registry ${registry} demands credentials (${challenge?.scheme ?? 'no challenge'})`);
    if (challenge?.scheme === 'bearer' && challenge.params.realm) {
      const url = new URL(challenge.params.realm);
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
      url.searchParams.set('scope', `repository:${repository}:pull,push`);
      const tokenResponse = await fetch(url, { headers: { Authorization: basic } });
      if (!tokenResponse.ok) throw new Error(`token request to ${url.origin}: HTTP ${tokenResponse.status}`);
      const body = (await tokenResponse.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new Error(`token response of ${url.origin} has no token`);
      return `Bearer ${token}`;
    }
    return basic;
  };

  return async (url: string | URL, init: RequestInit = {}): Promise<Response> => {
    const send = () =>
      fetch(url, {
        ...init,
        headers: {
          ...(init.headers as Record<string, string>),
          ...(authorization ? { Authorization: authorization } : {}),
        },
      });
    let response = await send();
    if (response.status === 401 && authorization === undefined) {
      await response.body?.cancel();
      authorization = await authorize(response);
      response = await send();
    }
    return response;
  };
}

async function expectStatus(response: Response, expected: number[], what: string): Promise<void> {
  if (expected.includes(response.status)) {
    // An unread body would hold the connection.
    await response.body?.cancel();
    return;
  }
  throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
}

/**
 * Pushes a Flux artifact over plain HTTP the way `flux push artifact` does: a gzipped tar layer
 * and a Flux config blob (POST+PUT monolithic uploads), then an OCI image manifest with the
 * source/revision/created annotations under the tag.
 */
export async function pushFluxArtifact(push: FluxArtifactPush): Promise<PushedFluxArtifact> {
  const created = push.created ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const tar = await buildTar(push.files, new Date(created));
  const layer = blobOf(fluxArtifactMediaTypes.content, gzipSync(tar));
  // The config go-containerregistry writes for empty.Image plus one layer; Flux never reads it.
  const config = blobOf(
    fluxArtifactMediaTypes.config,
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created,
        history: [{ created: '0001-01-01T00:00:00Z' }],
        os: '',
        rootfs: { type: 'layers', diff_ids: [blobOf('', tar).digest] },
        config: {},
      }),
    ),
  );
  const base = push.registry.replace(/\/+$/, '');
  const request = registryClient(base, push.repository, push.auth);

  for (const blob of [layer, config]) {
    const exists = await request(`${base}/v2/${push.repository}/blobs/${blob.digest}`, { method: 'HEAD' });
    await exists.body?.cancel();
    if (exists.status === 200) continue;
    const started = await request(`${base}/v2/${push.repository}/blobs/uploads/`, { method: 'POST' });
    await expectStatus(started, [202], `starting the upload of ${blob.digest}`);
    const location = started.headers.get('location');
    if (!location) throw new Error(`registry ${base} gave no upload location`);
    const target = new URL(location, base);
    target.searchParams.set('digest', blob.digest);
    const finished = await request(target, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
      body: blob.data,
    });
    await expectStatus(finished, [201], `uploading ${blob.digest}`);
  }

  const annotations: Record<string, string> = { 'org.opencontainers.image.created': created };
  if (push.source !== undefined) annotations['org.opencontainers.image.source'] = push.source;
  if (push.revision !== undefined) annotations['org.opencontainers.image.revision'] = push.revision;
  const descriptor = (blob: Blob) => ({ mediaType: blob.mediaType, size: blob.size, digest: blob.digest });
  const manifest = blobOf(
    fluxArtifactMediaTypes.manifest,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: fluxArtifactMediaTypes.manifest,
        config: descriptor(config),
        layers: [descriptor(layer)],
        annotations,
      }),
    ),
  );
  const stored = await request(`${base}/v2/${push.repository}/manifests/${push.tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': fluxArtifactMediaTypes.manifest },
    body: manifest.data,
  });
  await expectStatus(stored, [201], `storing the manifest ${push.repository}:${push.tag}`);
  const digest = stored.headers.get('docker-content-digest') ?? manifest.digest;
  return { digest, url: `oci://${new URL(base).host}/${push.repository}`, revision: `${push.tag}@${digest}` };
}
