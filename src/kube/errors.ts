import { redactText } from '../log/redact.js';
import { textLimits, truncateText } from '../log/truncate.js';

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
    // Bounded here, so no caller can build an oversized or credential-bearing message.
    const text = truncateText(redactText(detail), textLimits.detail * 2);
    super(`${verb} ${truncateText(object, textLimits.badValue)}: ${text}`, options);
  }
}

/**
 * client-node's ApiException by its shape (a numeric HTTP `code` with `body` and `headers`), so
 * that this module, on every start path, does not import client-node, whose exception module
 * pulls in its whole generated API index. Raised only by the typed APIs tests and lazily loaded
 * code use.
 */
interface ApiExceptionShape extends Error {
  readonly code: number;
  readonly body: unknown;
  readonly headers: unknown;
}

function isApiException(err: unknown): err is ApiExceptionShape {
  return (
    err instanceof Error &&
    typeof (err as Partial<ApiExceptionShape>).code === 'number' &&
    'body' in err &&
    'headers' in err
  );
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
      reason: typeof reason === 'string' ? truncateText(reason, textLimits.eventReason) : undefined,
      message: typeof message === 'string' ? message : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * `HTTP 404 NotFound: <message>`, leaving out what is missing. The server's message is bounded
 * and redacted: an Invalid message echoes the bad value (a 700 KiB name, a URL with credentials).
 */
export function describeHttpFailure(statusCode: number, status: StatusBody): string {
  const reason = status.reason ? ` ${status.reason}` : '';
  const message = status.message ? `: ${truncateText(redactText(status.message), textLimits.detail)}` : '';
  return `HTTP ${statusCode}${reason}${message}`;
}

const invalidHeader =
  'the request could not be sent: a header is not a legal HTTP header value ' +
  '(whitespace or control characters in the token or password of the kubeconfig?)';

/** Node's network and TLS error codes in words; other codes are shown as they are. */
const transportFailures: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed by the server',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPROTO: 'TLS handshake failed',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'server certificate not trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'server certificate not trusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'server certificate not trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'server certificate not trusted',
  CERT_HAS_EXPIRED: 'server certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'server certificate does not match the host name',
  ERR_INVALID_CHAR: invalidHeader,
  ERR_INVALID_HTTP_TOKEN: invalidHeader,
};

/** A code, name or type that is a plain identifier (safe to show), else undefined. */
function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(value) ? value : undefined;
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * A request that failed without an HTTP response, described by classification only. The raw
 * message is never used: Node's HTTP client quotes the offending header value (`Bearer <token>
 * … is not a legal HTTP header value`) and fetch errors quote the URL; both may carry
 * credentials. Only the error's code (`ECONNREFUSED`), name or type, checked to be an
 * identifier, gets through.
 */
export function describeTransportFailure(err: unknown): string {
  const name = identifier(fieldOf(err, 'name'));
  if (name === 'AbortError') return 'request aborted (deadline passed or shutting down)';
  if (name === 'TimeoutError') return 'request timed out';
  const message = fieldOf(err, 'message');
  if (
    typeof message === 'string' &&
    /not a legal HTTP header value|Invalid character in header/i.test(message)
  ) {
    return invalidHeader;
  }
  const code =
    identifier(fieldOf(err, 'code')) ??
    identifier(fieldOf(err, 'errno')) ??
    identifier(fieldOf(fieldOf(err, 'cause'), 'code'));
  if (code !== undefined) return `${transportFailures[code] ?? 'request failed'} (${code})`;
  const type = identifier(fieldOf(err, 'type'));
  if (type !== undefined && type !== 'system') return `request failed (${type})`;
  return `request failed (${name ?? 'unknown error'})`;
}

/**
 * Wraps any error of a request into a KubernetesApiError (kept as is when it already is one).
 * The one place where errors of Kubernetes requests become text: HTTP failures keep status,
 * reason and the server's (bounded, redacted) message; anything else only a classification
 * (describeTransportFailure). The original is not chained as `cause`: client-node's
 * ApiException carries headers and body, a transport error may quote credentials, and a cause
 * would be logged.
 */
export function wrapKubernetesError(err: unknown, verb: string, object: string): KubernetesApiError {
  if (err instanceof KubernetesApiError) return err;
  if (isApiException(err)) {
    const code = err.code;
    const status = decodeStatusBody(err.body);
    return new KubernetesApiError(verb, object, code, status.reason, describeHttpFailure(code, status));
  }
  return new KubernetesApiError(verb, object, undefined, undefined, describeTransportFailure(err));
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
  if (isApiException(err)) return err.code;
  return undefined;
}

/**
 * A short, secret-free description of any error for logs and status: the message of a
 * KubernetesApiError (safe by construction), `HTTP 409 Conflict: <message>` for client-node's
 * ApiException, the redacted, bounded message of a plain Error, and a classification for
 * anything else (describeTransportFailure).
 */
export function describeApiError(err: unknown): string {
  if (err instanceof KubernetesApiError) return err.message;
  if (isApiException(err)) {
    return describeHttpFailure(err.code, decodeStatusBody(err.body));
  }
  // A plain Error is one this project (or a library on purpose) raised with a message meant to be
  // read; subclasses and built-ins (TypeError, FetchError, system errors) are only classified.
  if (err instanceof Error && Object.getPrototypeOf(err) === Error.prototype && !hasTransportShape(err)) {
    return truncateText(redactText(err.message), textLimits.detail * 2);
  }
  return describeTransportFailure(err);
}

function hasTransportShape(err: Error): boolean {
  return fieldOf(err, 'code') !== undefined || fieldOf(err, 'errno') !== undefined;
}
