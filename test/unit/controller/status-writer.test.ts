import { describe, expect, it } from 'vitest';
import { boundStatusPatch } from '../../../src/controller/status-writer.js';

describe('boundStatusPatch', () => {
  const huge = 'x'.repeat(700 * 1024);
  it('bounds every text of a patch and redacts credential-shaped parts', () => {
    const patch = boundStatusPatch({
      lastOperation: {
        type: 'Reconcile',
        state: 'Error',
        progress: 50,
        description: huge,
        lastUpdateTime: 't',
      },
      lastError: { description: `clone https://u:t0ken@h: ${huge}` },
      conditions: [
        {
          type: 'FluxBootstrapped',
          status: 'False',
          lastTransitionTime: 't',
          lastUpdateTime: 't',
          reason: huge,
          message: `Bearer t0ken ${huge}`,
        },
      ],
      state: { flux: { bootstrapped: false } },
    });
    const json = JSON.stringify(patch);
    expect(json.length).toBeLessThan(40 * 1024);
    expect(json).not.toContain('t0ken');
    expect(patch.state).toEqual({ flux: { bootstrapped: false } });
    expect(patch.lastOperation).toMatchObject({ type: 'Reconcile', state: 'Error', progress: 50 });
  });

  it('leaves small, clean texts and absent fields alone', () => {
    const patch = { lastError: null, lastOperation: undefined, observedGeneration: 2 };
    expect(boundStatusPatch(patch)).toEqual(patch);
  });
});
