import { findBuiltinMapping } from './builtin-mappings.js';
import { KubernetesApiError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';

/** Where a kind lives in the API: its resource (plural) and whether it is namespaced. */
export interface ResourceMapping {
  readonly apiVersion: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

interface DiscoveryResource {
  name?: string;
  kind?: string;
  namespaced?: boolean;
}

/**
 * A name or namespace could not be a path segment: empty, `.` or `..` (URL parsing folds dot
 * segments, so `secrets/..` would address the Namespace), or holding `/`, `\` or `%` (a second
 * segment, or an escape the server decodes). No Kubernetes object name can be one of these, so
 * meeting one means validation was bypassed; the request is refused before it is built.
 */
export class UnsafePathSegmentError extends Error {
  override readonly name = 'UnsafePathSegmentError';
  constructor(
    /** `name` or `namespace`. */
    readonly part: string,
    readonly segment: string,
  ) {
    super(
      `refusing ${part} ${JSON.stringify(segment.length > 64 ? `${segment.slice(0, 64)}…` : segment)} as a ` +
        'request path segment: it may not be empty, "." or "..", or contain "/", "\\" or "%"',
    );
  }
}

/** Whether `segment` can stand for itself in a request path (see {@link UnsafePathSegmentError}). */
export function isSafePathSegment(segment: unknown): segment is string {
  return (
    typeof segment === 'string' &&
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !/[/\\%]/.test(segment)
  );
}

/** One name or namespace as a request path segment, percent-encoded; throws on an unsafe one. */
export function encodePathSegment(segment: string, part: 'name' | 'namespace'): string {
  if (!isSafePathSegment(segment)) throw new UnsafePathSegmentError(part, String(segment));
  return encodeURIComponent(segment);
}

/**
 * The API path of a collection or object: `/api/v1/...` for the core group, `/apis/<g>/<v>/...`
 * else. Without `name` it is the collection (in `namespace`, or across all namespaces without
 * one); with `name` it is that one object, and a namespaced kind then needs its namespace. Every
 * segment is checked and encoded, so no name can address another URL (throws
 * UnsafePathSegmentError).
 */
export function buildResourcePath(mapping: ResourceMapping, namespace?: string, name?: string): string {
  const root = mapping.apiVersion.includes('/')
    ? `/apis/${mapping.apiVersion}`
    : `/api/${mapping.apiVersion}`;
  // A cluster-scoped kind ignores a namespace, as the API server does.
  const scoped = mapping.namespaced && namespace !== undefined;
  if (mapping.namespaced && name !== undefined && !scoped) {
    throw new UnsafePathSegmentError('namespace', '');
  }
  const scope = scoped ? `/namespaces/${encodePathSegment(namespace, 'namespace')}` : '';
  const object = name !== undefined ? `/${encodePathSegment(name, 'name')}` : '';
  return `${root}${scope}/${mapping.plural}${object}`;
}

/**
 * The API path of one object: like {@link buildResourcePath}, but the name is required even when
 * it arrives missing at run time, so an object request can never turn into a collection request
 * (a DELETE on a collection deletes every object in it).
 */
export function buildObjectPath(
  mapping: ResourceMapping,
  namespace: string | undefined,
  name: string,
): string {
  if (!isSafePathSegment(name)) throw new UnsafePathSegmentError('name', String(name));
  return buildResourcePath(mapping, namespace, name);
}

/**
 * Maps apiVersion + kind to resource and scope through discovery (`GET /api/v1`,
 * `GET /apis/<group>/<version>`), cached per group version; a kind missing from the cache is
 * looked up once more, since a CRD may have been established since.
 */
export class RestMapper {
  private readonly cache = new Map<string, Promise<Map<string, ResourceMapping>>>();

  constructor(private readonly client: KubeRawClient) {}

  /** The mapping of a kind; throws KubernetesApiError (404) when the server does not serve it. */
  async resolve(apiVersion: string, kind: string, signal?: AbortSignal): Promise<ResourceMapping> {
    const builtin = findBuiltinMapping(apiVersion, kind);
    if (builtin) return builtin;
    const cached = await this.discover(apiVersion, signal, false);
    const mapping = cached.get(kind) ?? (await this.discover(apiVersion, signal, true)).get(kind);
    if (!mapping) {
      throw new KubernetesApiError(
        'discover',
        `${kind} (${apiVersion})`,
        404,
        'NotFound',
        `the server does not serve kind ${kind} in ${apiVersion}`,
      );
    }
    return mapping;
  }

  /** Forgets what discovery said (all group versions, or one). */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  private discover(apiVersion: string, signal: AbortSignal | undefined, refresh: boolean) {
    let pending = refresh ? undefined : this.cache.get(apiVersion);
    if (!pending) {
      pending = this.fetch(apiVersion, signal);
      this.cache.set(apiVersion, pending);
      pending.catch(() => {
        if (this.cache.get(apiVersion) === pending) this.cache.delete(apiVersion);
      });
    }
    return pending;
  }

  private async fetch(
    apiVersion: string,
    signal: AbortSignal | undefined,
  ): Promise<Map<string, ResourceMapping>> {
    const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const mappings = new Map<string, ResourceMapping>();
    let body: unknown;
    try {
      ({ body } = await this.client.request({
        method: 'GET',
        path,
        signal,
        verb: 'discover',
        object: apiVersion,
      }));
    } catch (err) {
      // A group version that is not served (yet) maps nothing.
      if (err instanceof KubernetesApiError && err.statusCode === 404) return mappings;
      throw err;
    }
    const resources = (body as { resources?: DiscoveryResource[] } | undefined)?.resources ?? [];
    for (const resource of resources) {
      // Subresources (`deployments/status`) share the kind; only the resource itself maps.
      if (!resource.name || !resource.kind || resource.name.includes('/')) continue;
      mappings.set(resource.kind, {
        apiVersion,
        kind: resource.kind,
        plural: resource.name,
        namespaced: resource.namespaced ?? false,
      });
    }
    return mappings;
  }
}
