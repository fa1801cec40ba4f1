import type { AuthRequest, KubeConnection } from './kube-connection.js';

/** Settings of a {@link TokenBucket}: client-go's `QPS` and `Burst`. */
export interface RateLimit {
  /** Requests per second the bucket refills. */
  qps: number;
  /** Requests that may go out at once after a quiet spell (the bucket's size). */
  burst: number;
}

/**
 * client-go's token bucket (`flowcontrol.NewTokenBucketRateLimiter`): `burst` tokens at most,
 * refilled at `qps` per second; a request takes one token and waits for it when none is left.
 * Waiters are served in arrival order, so a burst of reconciles does not starve an early one.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.qps > 0) || !Number.isInteger(limit.burst) || limit.burst < 1) {
      throw new Error('a rate limit needs qps > 0 and an integer burst >= 1');
    }
    this.tokens = limit.burst;
    this.updatedAt = this.now();
  }

  /** Resolves when a token is taken: at once while the bucket holds one, else when one refilled. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.waitForToken());
    this.tail = turn;
    return turn;
  }

  private refill(): void {
    const at = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((at - this.updatedAt) / 1000) * this.limit.qps);
    this.updatedAt = at;
  }

  private async waitForToken(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      const waitMs = ((1 - this.tokens) / this.limit.qps) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(waitMs)));
      this.refill();
    }
    this.tokens -= 1;
  }
}

/**
 * A connection whose every request waits for a token of `bucket` first. Every request the
 * controller sends, a list, a watch or a write, authenticates through
 * `applySecurityAuthentication`, so the limit holds for all of them against this API server, as
 * client-go's limit holds for every request of one rest.Config.
 */
class RateLimitedConnection implements KubeConnection {
  constructor(
    private readonly connection: KubeConnection,
    private readonly bucket: TokenBucket,
  ) {}

  getCurrentCluster(): ReturnType<KubeConnection['getCurrentCluster']> {
    return this.connection.getCurrentCluster();
  }

  async applySecurityAuthentication(request: AuthRequest): Promise<void> {
    await this.bucket.take();
    await this.connection.applySecurityAuthentication(request);
  }
}

/** `connection` (same server and credentials) with its requests bounded by `limit`. */
export function withRateLimit(connection: KubeConnection, limit: RateLimit): KubeConnection {
  return new RateLimitedConnection(connection, new TokenBucket(limit));
}
