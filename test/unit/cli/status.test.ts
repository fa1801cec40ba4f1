import { describe, expect, it } from 'vitest';
import {
  buildStatusRow,
  formatAge,
  formatStatusTable,
  isFailingRow,
} from '../../../src/cli/commands/status.js';
import type { Extension } from '../../../src/gardener/types.js';

const condition = (type: string, status: 'True' | 'False' | 'Unknown' | 'Progressing') => ({
  type,
  status,
  reason: 'R',
  message: 'm',
  lastTransitionTime: '2026-01-01T00:00:00Z',
  lastUpdateTime: '2026-01-01T00:00:00Z',
});

function extension(namespace: string, synced: 'True' | 'False', codes?: string[]): Extension {
  return {
    metadata: { name: 'shoot-flux', namespace },
    spec: { type: 'shoot-flux', providerConfig: { flux: { version: 'v2.9.3' } } },
    status: {
      lastOperation: {
        type: 'Reconcile',
        state: 'Succeeded',
        progress: 100,
        description: '',
        lastUpdateTime: '',
      },
      ...(codes ? { lastError: { description: 'x', codes: codes as never } } : {}),
      conditions: [
        condition('FluxBootstrapped', 'True'),
        condition('FluxSynced', synced),
        condition('SystemComponentsHealthy', 'True'),
      ],
      state: { flux: { bootstrapped: true, fluxVersion: 'v2.9.2' } },
      providerStatus: {
        version: 'v2.9.2',
        source: { revision: 'main@sha1:abc' },
        lastCheckTime: '2026-01-01T00:00:00Z',
      },
    },
  };
}

describe('status rows', () => {
  it('reads one row from the Extension status', () => {
    expect(buildStatusRow(extension('shoot--a--b', 'True'))).toEqual({
      namespace: 'shoot--a--b',
      state: 'Succeeded',
      bootstrapped: true,
      syncMode: 'Once',
      installedVersion: 'v2.9.2',
      desiredVersion: 'v2.9.3',
      revision: 'main@sha1:abc',
      fluxSynced: 'True',
      systemComponentsHealthy: 'True',
      lastCheckTime: '2026-01-01T00:00:00Z',
      lastErrorCodes: [],
    });
  });

  it("shows the providerConfig's syncMode, Once when unset or invalid", () => {
    const withMode = (syncMode: unknown): Extension => {
      const base = extension('a', 'True');
      return { ...base, spec: { ...base.spec, providerConfig: { syncMode } } };
    };
    expect(buildStatusRow(withMode('Full')).syncMode).toBe('Full');
    expect(buildStatusRow(withMode('ManifestsOnly')).syncMode).toBe('ManifestsOnly');
    expect(buildStatusRow(withMode('Sometimes')).syncMode).toBe('Once');
  });

  it('a shoot needs attention when not synced, unhealthy, failing or erroring', () => {
    expect(isFailingRow(buildStatusRow(extension('a', 'True')))).toBe(false);
    expect(isFailingRow(buildStatusRow(extension('a', 'False')))).toBe(true);
    expect(isFailingRow(buildStatusRow(extension('a', 'True', ['ERR_CONFIGURATION_PROBLEM'])))).toBe(true);
    expect(
      isFailingRow(buildStatusRow({ metadata: { name: 'x', namespace: 'a' }, spec: { type: 'shoot-flux' } })),
    ).toBe(true);
  });

  it('prints kubectl-style tables, wide with versions and revision', () => {
    const now = new Date('2026-01-01T00:03:00Z');
    const rows = [buildStatusRow(extension('shoot--a--b', 'False', ['ERR_CONFIGURATION_PROBLEM']))];
    expect(formatStatusTable(rows, false, now)).toBe(
      'NAMESPACE     STATE       BOOTSTRAPPED   SYNCED   SYSTEM   CHECKED   ERROR\n' +
        'shoot--a--b   Succeeded   true           False    True     3m        ERR_CONFIGURATION_PROBLEM\n',
    );
    expect(formatStatusTable(rows, true, now)).toContain('Once       v2.9.2/v2.9.3   main@sha1:abc');
  });

  it.each([
    ['2026-01-01T00:00:30Z', '30s'],
    ['2026-01-01T01:00:00Z', '60m'],
    ['2026-01-01T05:00:00Z', '5h'],
    ['2026-01-04T00:00:00Z', '3d'],
  ])('ages like kubectl at %s', (now, age) => {
    expect(formatAge('2026-01-01T00:00:00Z', new Date(now))).toBe(age);
  });
  it('shows <none> for no check time', () => {
    expect(formatAge('', new Date())).toBe('<none>');
  });
});
