import type { Parameters } from 'fast-check';

/**
 * The run parameters every property-based (fuzz) test uses: a fixed seed and a bounded number of
 * runs inside `npm test`, so a failure reproduces and a busy machine stays fast; `npm run fuzz`
 * raises the count (FUZZ_RUNS) and may pick a fresh seed (FUZZ_SEED=random) for a longer hunt.
 * A failing run prints its seed and path, which fast-check replays with the same parameters.
 */
export function fuzzParameters<T>(overrides: Parameters<T> = {}): Parameters<T> {
  const runs = Number(process.env.FUZZ_RUNS ?? '') || 150;
  const seedText = process.env.FUZZ_SEED ?? '20261201';
  const seed = seedText === 'random' ? Date.now() : Number(seedText);
  return { numRuns: runs, seed, endOnFailure: true, ...overrides };
}
