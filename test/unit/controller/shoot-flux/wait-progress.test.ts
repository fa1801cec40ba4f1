import { describe, expect, it } from 'vitest';
import type { ExtensionStatusSession } from '../../../../src/controller/actuator.js';
import { WaitProgress, describeFluxWaiting } from '../../../../src/controller/shoot-flux/wait-progress.js';
import { discardLogger } from '../../../../src/log/logger.js';

describe('describeFluxWaiting', () => {
  it.each([
    {
      name: "Flux's messages of every object not ready, in order",
      objects: [
        {
          label: 'GitRepository flux-system/flux-system',
          readiness: { state: 'progressing', reason: 'GitOperationFailed', message: 'connection refused' },
        },
        {
          label: 'Kustomization flux-system/flux-system',
          readiness: { state: 'progressing', reason: 'NotReconciled', message: 'no artifact' },
        },
      ],
      expected:
        'waiting for GitRepository flux-system/flux-system: connection refused; ' +
        'waiting for Kustomization flux-system/flux-system: no artifact',
    },
    {
      name: 'ready objects left out',
      objects: [
        { label: 'GitRepository a/b', readiness: { state: 'ready', message: 'stored artifact' } },
        { label: 'Kustomization a/b', readiness: { state: 'progressing', reason: 'x', message: 'applying' } },
      ],
      expected: 'waiting for Kustomization a/b: applying',
    },
    {
      name: 'the state when Flux said nothing',
      objects: [
        { label: 'OCIRepository a/b', readiness: { state: 'progressing', reason: 'x', message: '' } },
      ],
      expected: 'waiting for OCIRepository a/b: progressing',
    },
  ] as const)('$name', ({ objects, expected }) => {
    expect(describeFluxWaiting(objects)).toBe(expected);
  });
});

/** An in-memory status session: records every progress text, can fail one write. */
function recordingSession(failOn?: string): { session: ExtensionStatusSession; written: string[] } {
  const written: string[] = [];
  const session: ExtensionStatusSession = {
    current: { metadata: { name: 'shoot-flux' }, spec: { type: 'shoot-flux' } },
    patch: () => Promise.resolve(),
    progress: async (description) => {
      // Let a later report overtake if writes were not serialised.
      await new Promise((resolve) => setImmediate(resolve));
      if (description === failOn) throw new Error('conflict');
      written.push(description);
    },
  };
  return { session, written };
}

describe('WaitProgress', () => {
  it('writes each new text once and in order, and a failed write does not stop later ones', async () => {
    const { session, written } = recordingSession('b');
    const progress = new WaitProgress(session, discardLogger);
    for (const text of ['a', 'a', 'b', 'c', 'c', '', 'd']) progress.report(text);
    await progress.flush();
    expect(written).toEqual(['a', 'c', 'd']);
  });
});
