import { KubeRequestTimeoutError } from '../kube/http-transport.js';
import { findError } from './errors.js';

/**
 * Whether a reconcile failed because a server did not answer in time: a request timeout, or
 * the reconcile's own deadline. Such Extensions get only their share of the workers.
 */
export function isTimeoutFailure(err: unknown): boolean {
  if (findError(err, KubeRequestTimeoutError)) return true;
  const seen = new Set<unknown>();
  for (let current: unknown = err; current instanceof Error && !seen.has(current);) {
    if (current.name === 'TimeoutError') return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}
