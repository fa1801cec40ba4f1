import { evaluateCrdReadiness } from './workload-readiness.js';
import { discardLogger, type Logger } from '../log/logger.js';
import { KubernetesApiError } from './errors.js';
import type { KubeRawClient } from './raw-client.js';
import { RestMapper, buildObjectPath } from './rest-mapper.js';
import { waitForCollections } from './watch.js';

/**
 * The field manager of every server-side apply the extension makes; the same name as the
 * extension's managed-by label value, so one name says who owns an object and its fields.
 */
export const fieldManager = 'gardener-extension-shoot-flux';

/** A Kubernetes object as plain JSON, the way it is applied. */
export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

/** What an apply did to one object. */
export type ApplyResult = 'created' | 'updated' | 'unchanged';

/** One applied object: `Kind namespace/name`, what happened, and what the server returned. */
export interface AppliedObject {
  readonly object: string;
  readonly result: ApplyResult;
  /** The object as the server returned it. */
  readonly applied: unknown;
}

/** How objects are applied. */
export interface ApplyOptions {
  /** Default `gardener-extension-shoot-flux`. */
  readonly fieldManager?: string;
  /** Take over fields other managers own (our own objects). Default true. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** A shared discovery cache; one per client otherwise. */
  readonly mapper?: RestMapper;
}

interface AppliedShape {
  metadata?: { managedFields?: { manager?: string; operation?: string; time?: string }[] };
}

/** `Kind namespace/name` of an object, for messages and logs. */
export function describeObject(object: ApplyObject): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

/**
 * Whether an apply answered with 200 changed the object: the server moves our manager's
 * managedFields time only when our apply changed something (second resolution, so an object our
 * manager changed earlier within the same second reads as updated).
 */
function evaluateApplyResult(status: number, applied: unknown, manager: string, sentAt: number): ApplyResult {
  if (status === 201) return 'created';
  const entry = (applied as AppliedShape | undefined)?.metadata?.managedFields?.find(
    (f) => f.manager === manager && f.operation === 'Apply',
  );
  const changedAt = entry?.time ? Date.parse(entry.time) : Number.NaN;
  return Number.isNaN(changedAt) || changedAt >= Math.floor(sentAt / 1000) * 1000 ? 'updated' : 'unchanged';
}

/**
 * Server-side applies one object: one PATCH with `application/apply-patch+yaml`, a fixed field
 * manager and `force`, never a read first. The raw object goes out untouched (no typed models).
 */
export async function applyObject(
  client: KubeRawClient,
  object: ApplyObject,
  options: ApplyOptions = {},
): Promise<AppliedObject> {
  const manager = options.fieldManager ?? fieldManager;
  const mapper = options.mapper ?? new RestMapper(client);
  const description = describeObject(object);
  let mapping;
  try {
    mapping = await mapper.resolve(object.apiVersion, object.kind, options.signal);
  } catch (err) {
    if (err instanceof KubernetesApiError) {
      throw new KubernetesApiError('apply', description, err.statusCode, err.reason, err.message, {
        cause: err,
      });
    }
    throw err;
  }
  if (mapping.namespaced && !object.metadata.namespace) {
    throw new KubernetesApiError(
      'apply',
      description,
      undefined,
      'Invalid',
      'metadata.namespace: Required value',
    );
  }
  const sentAt = Date.now();
  const { status, body } = await client.request({
    method: 'PATCH',
    path: buildObjectPath(mapping, object.metadata.namespace, object.metadata.name),
    query: { fieldManager: manager, force: options.force ?? true },
    body: object,
    contentType: 'application/apply-patch+yaml',
    signal: options.signal,
    verb: 'apply',
    object: description,
  });
  return { object: description, result: evaluateApplyResult(status, body, manager, sentAt), applied: body };
}

/** A field of an applied object the API server refused: its path in the object and why. */
export interface RejectedField {
  /** e.g. `spec.intervall`, `metadata.labels`. */
  readonly path: string;
  readonly detail: string;
}

/** The message server-side apply fails with when an object does not fit the kind's schema. */
const typedPatchFailure = 'failed to create typed patch object';
/** Field error wording in a 422 `Invalid` Status message (apimachinery's field.ErrorType). */
const invalidFieldPattern =
  /(?:^|: |, |\[)([A-Za-z][\w.-]*(?:\[[^\]]*\][\w.-]*)*): (Invalid value|Required value|Unsupported value|Forbidden|Duplicate value|Too long|Too many|Not found)/g;

/**
 * What the API server refused about an applied object itself (the object's fault, not the
 * server's): undefined for any other error. Two answers count: a 422 `Invalid` (its fields as
 * far as the message names them), and the 500 server-side apply gives when the object does not
 * fit the kind's schema, e.g. a field the CRD does not declare ("failed to create typed patch
 * object (…): .spec.intervall: field not declared in schema"); retrying either cannot help.
 */
export function findRejectedFields(err: unknown): RejectedField[] | undefined {
  if (!(err instanceof KubernetesApiError) || err.verb !== 'apply') return undefined;
  const message = err.message;
  if (err.statusCode === 422) {
    const body = message.slice(Math.max(0, message.indexOf(' is invalid: ')));
    return [...body.matchAll(invalidFieldPattern)].map((m) => ({ path: m[1] ?? '', detail: m[2] ?? '' }));
  }
  const at = message.indexOf(typedPatchFailure);
  if (err.statusCode !== 500 || at < 0) return undefined;
  // `(<object>; <kind>): <errors>`; several errors come one per line after "errors:".
  const afterObject = message.indexOf('): ', at);
  const errors = afterObject < 0 ? '' : message.slice(afterObject + 3);
  return errors.split('\n').flatMap((line): RejectedField[] => {
    const match = /^\s*\.([^\s:]+): (.+)$/.exec(line);
    return match?.[1] && match[2] ? [{ path: match[1], detail: match[2].trim() }] : [];
  });
}

/** Waits (by watching) until the named CRDs are Established; throws when the signal ends first. */
export async function waitForCrdsEstablished(
  client: KubeRawClient,
  names: readonly string[],
  signal: AbortSignal,
  logger?: Logger,
): Promise<void> {
  if (names.length === 0) return;
  const wanted = new Set(names);
  const outcome = await waitForCollections(client, {
    collections: [{ path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions' }],
    signal,
    logger,
    evaluate: ([crds = []]) => {
      const byName = new Map(
        crds.map((crd) => [(crd as { metadata?: { name?: string } }).metadata?.name ?? '', crd]),
      );
      const pending = [...wanted].filter((name) => evaluateCrdReadiness(byName.get(name)) !== undefined);
      return { done: pending.length === 0, progress: pending };
    },
  });
  if (!outcome.done) {
    throw new Error(`CustomResourceDefinitions not established in time: ${outcome.progress.join(', ')}`, {
      cause: signal.reason,
    });
  }
}

/**
 * Applies objects in order, one request each: Namespaces and CRDs first, then (after waiting for
 * the CRDs the remaining objects are instances of to be Established) everything else. Stops at
 * the first failure with a KubernetesApiError naming the object.
 */
export async function applyObjects(
  client: KubeRawClient,
  objects: readonly ApplyObject[],
  options: ApplyOptions = {},
): Promise<AppliedObject[]> {
  const logger = (options.logger ?? discardLogger).named('apply');
  const mapper = options.mapper ?? new RestMapper(client);
  const first = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
  const rest = objects.filter((o) => !first.includes(o));
  const results: AppliedObject[] = [];
  const apply = async (object: ApplyObject) => {
    const applied = await applyObject(client, object, { ...options, mapper });
    logger.debug('Applied object', { object: applied.object, result: applied.result });
    results.push(applied);
  };
  for (const object of first) await apply(object);

  // CRDs the remaining objects need: those whose group and kind they use.
  const needed = first.filter((crd) => {
    if (crd.kind !== 'CustomResourceDefinition') return false;
    const spec = crd.spec as { group?: string; names?: { kind?: string } } | undefined;
    return rest.some((o) => o.apiVersion.startsWith(`${spec?.group ?? ''}/`) && o.kind === spec?.names?.kind);
  });
  if (needed.length > 0) {
    await waitForCrdsEstablished(
      client,
      needed.map((crd) => crd.metadata.name),
      options.signal ?? new AbortController().signal,
      logger,
    );
    mapper.invalidate();
  }
  for (const object of rest) await apply(object);
  return results;
}
