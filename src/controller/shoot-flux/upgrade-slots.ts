/**
 * Bounds how many Flux upgrades run at once (`--max-concurrent-flux-upgrades`), so a default
 * raised for a fleet whose windows open together does not roll out to every shoot in the same
 * second. A slot is held from the first apply until the rollout is available or failed, across
 * requeues; a shoot that finds none free waits, and is enqueued the moment one frees (no polling).
 */
export class UpgradeSlots {
  private readonly running = new Set<string>();
  private readonly waiting = new Set<string>();

  constructor(
    readonly limit: number,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Takes a slot for `key` (true), or records that it waits (false). Holding one already is true. */
  tryAcquire(key: string): boolean {
    if (this.running.has(key)) return true;
    if (this.running.size >= this.limit) {
      this.waiting.add(key);
      return false;
    }
    this.waiting.delete(key);
    this.running.add(key);
    return true;
  }

  /** Frees `key`'s slot (if held) and wakes the longest-waiting shoot. */
  release(key: string): void {
    if (!this.running.delete(key)) return;
    const next = this.waiting.values().next();
    if (next.done === true) return;
    this.waiting.delete(next.value);
    this.enqueue(next.value);
  }

  /** Drops `key` entirely (its Extension is gone or moved). */
  forget(key: string): void {
    this.waiting.delete(key);
    this.release(key);
  }

  /** How many upgrades run now. */
  get size(): number {
    return this.running.size;
  }
}
