import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket, withRateLimit } from '../../../src/kube/rate-limit.js';

/** Which of `promises` have settled, after the microtasks that are due ran. */
async function settled(promises: Promise<unknown>[]): Promise<boolean[]> {
  const done = promises.map(() => false);
  promises.forEach((p, i) => void p.then(() => (done[i] = true)));
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('TokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst through at once, then one request per 1/qps seconds, in arrival order', async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 2 }, () => Date.now());
    const takes = [bucket.take(), bucket.take(), bucket.take(), bucket.take()];
    expect(await settled(takes)).toEqual([true, true, false, false]);
    await vi.advanceTimersByTimeAsync(99);
    expect(await settled(takes)).toEqual([true, true, false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled(takes)).toEqual([true, true, true, false]);
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled(takes)).toEqual([true, true, true, true]);
  });

  it('refills to the burst at most after a quiet spell', async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 2 }, () => Date.now());
    await vi.advanceTimersByTimeAsync(60_000);
    const takes = [bucket.take(), bucket.take(), bucket.take()];
    expect(await settled(takes)).toEqual([true, true, false]);
  });

  it.each([[{ qps: 0, burst: 1 }], [{ qps: 5, burst: 0 }], [{ qps: 5, burst: 1.5 }]])(
    'refuses %j',
    (limit) => {
      expect(() => new TokenBucket(limit)).toThrow('a rate limit needs qps > 0 and an integer burst >= 1');
    },
  );
});

describe('withRateLimit', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const seed = new KubeConfig();
  seed.loadFromOptions({
    clusters: [{ name: 'seed', server: 'https://seed.example.com:6443', skipTLSVerify: false }],
    users: [{ name: 'admin', token: 'seed-token' }],
    contexts: [{ name: 'seed', cluster: 'seed', user: 'admin' }],
    currentContext: 'seed',
  });

  it('keeps the server and credentials, and authenticates each request only with a token', async () => {
    const limited = withRateLimit(seed, { qps: 10, burst: 1 });
    expect(limited.getCurrentCluster()?.server).toBe('https://seed.example.com:6443');
    const contexts = [1, 2].map(
      () => new RequestContext('https://seed.example.com:6443/api/v1/namespaces', HttpMethod.GET),
    );
    const auths = contexts.map((context) => limited.applySecurityAuthentication(context));
    expect(await settled(auths)).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(100);
    expect(await settled(auths)).toEqual([true, true]);
    expect(contexts.map((c) => c.getHeaders().Authorization)).toEqual([
      'Bearer seed-token',
      'Bearer seed-token',
    ]);
  });
});
