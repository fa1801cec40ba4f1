/**
 * Enqueues a key at a given time, once: how a shoot whose Flux upgrade waits for its maintenance
 * window comes back at the window's start instead of being polled. One timer per key (a newer
 * schedule replaces the older); timers do not keep the process alive.
 */
export class DelayedEnqueue {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly enqueue: (key: string) => void) {}

  /** Enqueues `key` at `at`, measured against `now` (the caller's clock). */
  schedule(key: string, at: Date, now: Date): void {
    this.cancel(key);
    const delay = Math.max(0, at.getTime() - now.getTime());
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(key);
    }, delay);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Whether a wake-up is scheduled for `key`. */
  has(key: string): boolean {
    return this.timers.has(key);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  /** Cancels every timer (shutdown). */
  stop(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }
}
