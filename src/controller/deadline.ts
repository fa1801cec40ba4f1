/** A signal that aborts after `ms` or when any parent aborts; `dispose` releases the timer. */
export interface Deadline {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Builds a deadline from a timer and parent signals. Node 20's `AbortSignal.any` holds its
 * sources weakly, so an `AbortSignal.timeout` referenced by nothing else can be garbage-collected
 * before it fires and the deadline never comes (seen here: a 10 s wait ran for minutes under load).
 * A plain timer is held by the event loop until it fires or is disposed.
 */
export function startDeadline(ms: number, parents: readonly (AbortSignal | undefined)[] = []): Deadline {
  const controller = new AbortController();
  const abort = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  const timer = setTimeout(() => {
    abort(new DOMException(`deadline of ${ms} ms passed`, 'TimeoutError'));
  }, ms);
  const listeners: [AbortSignal, () => void][] = [];
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      continue;
    }
    const listener = () => {
      abort(parent.reason);
    };
    parent.addEventListener('abort', listener, { once: true });
    listeners.push([parent, listener]);
  }
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      for (const [parent, listener] of listeners) parent.removeEventListener('abort', listener);
    },
  };
}
