import { describe, expect, it } from 'vitest';
import { buildShootInfoConfigMap } from '../../../src/flux/shoot-info.js';

describe('buildShootInfoConfigMap', () => {
  it('publishes the four shoot facts in the Flux namespace', () => {
    expect(
      buildShootInfoConfigMap('flux-system', {
        name: 'my-shoot',
        clusterIdentity: 'shoot-id',
        technicalID: 'shoot--project--my-shoot',
        gardenClusterIdentity: 'garden-id',
      }),
    ).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'shoot-info',
        namespace: 'flux-system',
        labels: { 'app.kubernetes.io/managed-by': 'gardener-extension-shoot-flux' },
      },
      data: {
        SHOOT_INFO_CLUSTER_IDENTITY: 'shoot-id',
        SHOOT_INFO_NAME: 'my-shoot',
        SHOOT_INFO_TECHNICAL_ID: 'shoot--project--my-shoot',
        SHOOT_INFO_GARDEN_CLUSTER_IDENTITY: 'garden-id',
      },
    });
  });

  it('writes empty values for identities a young shoot does not have yet', () => {
    const configMap = buildShootInfoConfigMap('gotk', { name: 'young', gardenClusterIdentity: 'garden' });
    expect(configMap.data.SHOOT_INFO_CLUSTER_IDENTITY).toBe('');
    expect(configMap.data.SHOOT_INFO_TECHNICAL_ID).toBe('');
  });

  it('writes only strings, whatever reached it (a ConfigMap holds nothing else)', () => {
    const info = { name: 's', technicalID: 5, clusterIdentity: {}, gardenClusterIdentity: 'g' } as unknown;
    const configMap = buildShootInfoConfigMap('gotk', info as Parameters<typeof buildShootInfoConfigMap>[1]);
    expect(Object.values(configMap.data).every((v) => typeof v === 'string')).toBe(true);
    expect(configMap.data.SHOOT_INFO_TECHNICAL_ID).toBe('');
  });
});
