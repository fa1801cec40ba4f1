/**
 * The one time source of the controller: wall-clock milliseconds and timers. Components take one
 * as an option (default {@link systemClock}); tests pass a fake one whose time moves only when
 * they say so.
 */
export interface Clock {
  /** Milliseconds since the epoch, as `Date.now()`. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending timer (e.g. a requeue) must not keep the process alive after shutdown.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** The clock's current time as a Date (for timestamps written into objects). */
export function currentDate(clock: Clock): Date {
  return new Date(clock.now());
}
