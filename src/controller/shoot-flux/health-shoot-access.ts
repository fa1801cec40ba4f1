import type { ClusterAccess } from './secret-sync.js';

/**
 * The shoot clients of the health monitor, each kept for `maxAgeMs`: resolving one reads the
 * shoot's access secret from the seed, and doing that on every check would cost the seed one read
 * per shoot per period (33/s for 1000 shoots at 30 s). The access secret's token is rotated long
 * before it expires, so an entry a few minutes old still works; a failed check drops its entry,
 * so a rotated or broken secret is read again on the next check.
 */
export class HealthShootAccess {
  private readonly entries = new Map<string, { access: ClusterAccess; resolvedAt: number }>();

  constructor(
    private readonly resolve: (namespace: string) => Promise<ClusterAccess>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The shoot client of a seed namespace: the kept one while fresh, else newly resolved. */
  async get(namespace: string): Promise<ClusterAccess> {
    const entry = this.entries.get(namespace);
    if (entry && this.now() - entry.resolvedAt < this.maxAgeMs) return entry.access;
    const access = await this.resolve(namespace);
    this.entries.set(namespace, { access, resolvedAt: this.now() });
    return access;
  }

  /** Forgets a namespace's client (its check failed, or the shoot is gone or hibernated). */
  drop(namespace: string): void {
    this.entries.delete(namespace);
  }
}
