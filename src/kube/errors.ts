import { ApiException } from '@kubernetes/client-node';

/**
 * A failed Kubernetes API request: HTTP status, the API server's reason and message, the verb and
 * the object. Carries no headers, request bodies or credentials, so it is safe to log and to
 * write into a status. Transient unless the caller knows better.
 */
export class KubernetesApiError extends Error {
  override readonly name = 'KubernetesApiError';
  constructor(
    /** e.g. `apply`, `get`, `list`, `watch`. */
    readonly verb: string,
    /** e.g. `Deployment flux-system/source-controller`. */
    readonly object: string,
    /** HTTP status; undefined when no response came (network, timeout). */
    readonly statusCode: number | undefined,
    /** The Status reason (`NotFound`, `Conflict`, `Invalid`…), when the server sent one. */
    readonly reason: string | undefined,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${verb} ${object}: ${detail}`, options);
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
}

/** The reason and message of a Kubernetes `Status` body, if the text is one. */
export function decodeStatusBody(text: unknown): StatusBody {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { reason, message } = parsed as Record<string, unknown>;
    return {
      reason: typeof reason === 'string' ? reason : undefined,
      message: typeof message === 'string' ? message : undefined,
    };
  } catch {
    return {};
  }
}

/** `HTTP 404 NotFound: <message>`, leaving out what is missing. */
export function describeHttpFailure(statusCode: number, status: StatusBody): string {
  const reason = status.reason ? ` ${status.reason}` : '';
  return `HTTP ${statusCode}${reason}${status.message ? `: ${status.message}` : ''}`;
}

/** Wraps any error of a request into a KubernetesApiError (kept as is when it already is one). */
export function wrapKubernetesError(err: unknown, verb: string, object: string): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  if (err instanceof ApiException) {
    const code = (err as ApiException<unknown>).code;
    const status = decodeStatusBody((err as ApiException<unknown>).body);
    return new KubernetesApiError(verb, object, code, status.reason, describeHttpFailure(code, status), {
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new KubernetesApiError(verb, object, undefined, undefined, message, { cause: err });
}

/** Whether an error is a Kubernetes 404. */
export function isNotFoundError(err: unknown): boolean {
  return err instanceof KubernetesApiError && err.statusCode === 404;
}

/** Whether an error is an optimistic-lock or field-manager conflict (409). */
export function isConflictError(err: unknown): boolean {
  return err instanceof KubernetesApiError && err.statusCode === 409;
}

/** The HTTP status of a request error (ours or client-node's), if a response came. */
export function statusCodeOf(err: unknown): number | undefined {
  if (err instanceof KubernetesApiError) return err.statusCode;
  if (err instanceof ApiException) return (err as ApiException<unknown>).code;
  return undefined;
}

/** A short, secret-free description of a request error: `HTTP 409 Conflict: <message>`. */
export function describeApiError(err: unknown): string {
  if (err instanceof ApiException) {
    const e = err as ApiException<unknown>;
    return describeHttpFailure(e.code, decodeStatusBody(e.body));
  }
  return err instanceof Error ? err.message : String(err);
}
