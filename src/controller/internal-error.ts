/**
 * JavaScript's own error classes. Their messages (`x.find is not a function`, `Maximum call stack
 * size exceeded`, `Cannot read properties of null`) are about our code or a library's, never
 * something a user can act on, and may quote data the failing code held.
 */
const builtInErrorTypes = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];
const builtInErrorNames = new Set(builtInErrorTypes.map((type) => type.name));

function isBuiltInError(value: unknown): boolean {
  if (!(value instanceof Error)) return true;
  // By name too: errors from another realm (vm, workers) fail instanceof.
  return builtInErrorTypes.some((type) => value instanceof type) || builtInErrorNames.has(value.name);
}

/**
 * Whether `err` is an internal error: a thrown non-Error, or a built-in JavaScript error anywhere
 * in its `cause` chain (code that wraps one usually quotes its message). Our own errors (coded,
 * configuration, requeue, Kubernetes request errors, which chain no raw cause) are not.
 */
export function isInternalError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && !seen.has(current)) {
    if (isBuiltInError(current)) return true;
    seen.add(current);
    current = (current as Error).cause;
  }
  return false;
}

/**
 * What the status says instead of an internal error's message: the step it happened in and the
 * reconcile's ID, under which the controller logged the error with its stack.
 */
export function describeInternalError(step: string, reconcileID: string): Error {
  return new Error(
    `internal error in step "${step}" (reconcileID ${reconcileID}; the controller log has the details)`,
  );
}
