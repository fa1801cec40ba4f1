import type { ApplyObject } from './apply.js';
import { describeObject } from './apply.js';
import { isNotFoundError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';
import { RestMapper, buildObjectPath, buildResourcePath } from './rest-mapper.js';

/** Objects of one kind in one namespace (or cluster-wide) that are read together. */
interface ReadGroup {
  apiVersion: string;
  kind: string;
  namespace?: string;
  objects: ApplyObject[];
}

/** A group this large is listed (one request) rather than read object by object. */
const listFrom = 3;

function groupObjects(objects: readonly ApplyObject[]): ReadGroup[] {
  const groups = new Map<string, ReadGroup>();
  for (const object of objects) {
    const key = `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        apiVersion: object.apiVersion,
        kind: object.kind,
        ...(object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : {}),
        objects: [],
      };
      groups.set(key, group);
    }
    group.objects.push(object);
  }
  return [...groups.values()];
}

/** A label every object of the group carries with one value, to list just them; else undefined. */
function commonLabelSelector(objects: readonly ApplyObject[]): string | undefined {
  const labelsOf = (o: ApplyObject) => (o.metadata.labels ?? {}) as Record<string, unknown>;
  const first = labelsOf(objects[0] ?? { apiVersion: '', kind: '', metadata: { name: '' } });
  for (const [key, value] of Object.entries(first).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (typeof value === 'string' && objects.every((o) => labelsOf(o)[key] === value)) {
      return `${key}=${value}`;
    }
  }
  return undefined;
}

/**
 * Reads the live state of `objects` (as they would be applied) with as few requests as it can:
 * a kind with several objects in one namespace is listed once, narrowed by a label they all
 * carry; others are read one by one. Returns each object's live JSON by `Kind namespace/name`
 * (see describeObject); an object that does not exist is absent from the map. Reads only.
 */
export async function readLiveObjects(
  client: KubeRawClient,
  objects: readonly ApplyObject[],
  options: {
    mapper?: RestMapper;
    signal?: AbortSignal;
    /**
     * The selector to list groups by, when the caller knows one all objects keep (a label
     * others may change, e.g. an instance label of a shared object, would hide objects).
     */
    labelSelector?: string;
  } = {},
): Promise<Map<string, unknown>> {
  const mapper = options.mapper ?? new RestMapper(client);
  const live = new Map<string, unknown>();
  for (const group of groupObjects(objects)) {
    const mapping = await mapper.resolve(group.apiVersion, group.kind, options.signal);
    const selector =
      group.objects.length >= listFrom
        ? (options.labelSelector ?? commonLabelSelector(group.objects))
        : undefined;
    if (selector !== undefined) {
      const path = buildResourcePath(mapping, group.namespace);
      const { body } = await client.request({
        method: 'GET',
        path,
        query: { labelSelector: selector },
        signal: options.signal,
        verb: 'list',
        object: path,
      });
      const wanted = new Set(group.objects.map((o) => o.metadata.name));
      for (const item of (body as { items?: unknown[] } | undefined)?.items ?? []) {
        const name = (item as { metadata?: { name?: string } }).metadata?.name ?? '';
        if (!wanted.has(name)) continue;
        const object = group.objects.find((o) => o.metadata.name === name);
        if (object) live.set(describeObject(object), item);
      }
      continue;
    }
    for (const object of group.objects) {
      try {
        const { body } = await client.request({
          method: 'GET',
          path: buildObjectPath(mapping, object.metadata.namespace, object.metadata.name),
          signal: options.signal,
          verb: 'get',
          object: describeObject(object),
        });
        live.set(describeObject(object), body);
      } catch (err) {
        if (!isNotFoundError(err)) throw err;
      }
    }
  }
  return live;
}
