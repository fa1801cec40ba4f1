import { describe, expect, it } from 'vitest';
import {
  checkKubernetesCompatibility,
  minimumKubernetesVersionFor,
} from '../../../src/api/kubernetes-compatibility.js';

describe('minimumKubernetesVersionFor', () => {
  it.each([
    ['v2.0.1', '1.24.0'],
    ['v2.1.2', '1.25.0'],
    ['v2.2.3', '1.26.0'],
    ['v2.3.0', '1.28.0'],
    ['v2.4.0', '1.28.0'],
    ['v2.5.1', '1.30.0'],
    ['v2.6.4', '1.31.0'],
    ['v2.7.5', '1.32.0'],
    ['v2.8.8', '1.33.0'],
    ['v2.9.2', '1.33.0'],
    // newer than the table: the newest known constraint
    ['v2.10.0', '1.33.0'],
    ['v3.0.0', '1.33.0'],
  ])('Flux %s needs Kubernetes >= %s', (flux, kubernetes) => {
    expect(minimumKubernetesVersionFor(flux)).toBe(kubernetes);
  });

  it.each(['v1.9.0', 'latest', ''])('knows no constraint for %j', (flux) => {
    expect(minimumKubernetesVersionFor(flux)).toBeUndefined();
  });
});

describe('checkKubernetesCompatibility', () => {
  it('refuses a shoot older than the release supports, naming both versions', () => {
    expect(checkKubernetesCompatibility('v2.9.2', '1.32.4')).toBe(
      'Flux v2.9.2 needs Kubernetes >= 1.33, the shoot runs Kubernetes 1.32.4',
    );
  });

  it.each([
    ['v2.9.2', '1.33.0'],
    ['v2.9.2', 'v1.35.4'],
    ['v2.5.1', '1.30.10'],
    ['v2.9.2', 'not-a-version'],
  ])('accepts Flux %s on Kubernetes %s', (flux, kubernetes) => {
    expect(checkKubernetesCompatibility(flux, kubernetes)).toBeUndefined();
  });
});
