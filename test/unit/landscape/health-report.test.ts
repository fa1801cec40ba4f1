import { describe, expect, it } from 'vitest';
import {
  type HealthView,
  buildHealthLine,
  buildStatusCommandLine,
  hasHealthReport,
} from '../../../hack/landscape/health-report.js';

const withConditions = (conditions: { type: string; status: string; reason?: string; message?: string }[]) =>
  ({ status: { conditions } }) satisfies HealthView;

const bootstrapped = { type: 'FluxBootstrapped', status: 'True', reason: 'BootstrapSuccessful' };
const system = {
  type: 'SystemComponentsHealthy',
  status: 'True',
  reason: 'HealthCheckSuccessful',
  message: 'All Flux controllers are available: source-controller, kustomize-controller.',
};
const synced = {
  type: 'FluxSynced',
  status: 'False',
  reason: 'BuildFailed',
  message: 'Kustomization flux-system/flux-system: kustomize build failed',
};

describe('landscape health report', () => {
  it.each([
    ['no Extension', undefined, false],
    ['only the bootstrap condition', withConditions([bootstrapped]), false],
    ['one health condition', withConditions([bootstrapped, system]), false],
    ['both health conditions, whatever their status', withConditions([bootstrapped, system, synced]), true],
  ])('hasHealthReport: %s → %s', (_, extension, expected) => {
    expect(hasHealthReport(extension)).toBe(expected);
  });

  it('one line with each health condition, its reason and message', () => {
    expect(buildHealthLine('local', withConditions([bootstrapped, system, synced]))).toBe(
      'Health of local: SystemComponentsHealthy=True (HealthCheckSuccessful): All Flux controllers are ' +
        'available: source-controller, kustomize-controller.; FluxSynced=False (BuildFailed): ' +
        'Kustomization flux-system/flux-system: kustomize build failed',
    );
  });

  it('says which condition is not reported yet', () => {
    expect(buildHealthLine('local', withConditions([system]))).toMatch(/; FluxSynced not reported yet$/);
    expect(buildHealthLine('local', undefined)).toBe(
      'Health of local: SystemComponentsHealthy not reported yet; FluxSynced not reported yet',
    );
  });

  it('runs the built CLI’s status, wide, against the given seed only', () => {
    const [cli, ...args] = buildStatusCommandLine('/tmp/seed.kubeconfig');
    expect(cli).toMatch(/dist\/cli\/main\.js$/);
    expect(args).toEqual(['status', '--kubeconfig=/tmp/seed.kubeconfig', '-o', 'wide']);
  });
});
