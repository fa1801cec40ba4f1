import { describe, expect, it } from 'vitest';
import { buildShootInfoConfigMap, isShootInfoCurrent } from '../../../src/flux/shoot-info.js';

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

describe('isShootInfoCurrent', () => {
  const desired = buildShootInfoConfigMap('flux-system', {
    name: 'my-shoot',
    clusterIdentity: 'shoot-id',
    technicalID: 'shoot--project--my-shoot',
    gardenClusterIdentity: 'garden-id',
  });
  const live = {
    ...desired,
    metadata: {
      ...desired.metadata,
      resourceVersion: '7',
      labels: { ...desired.metadata.labels, 'team.example.com/owner': 'ops' },
      annotations: { note: 'added by hand' },
    },
  };

  it('is current when data and our label match, whatever others added', () => {
    expect(isShootInfoCurrent(live, desired)).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['without data', { ...live, data: undefined }],
    ['with a changed value', { ...live, data: { ...live.data, SHOOT_INFO_NAME: 'other' } }],
    ['with a key removed', { ...live, data: { SHOOT_INFO_NAME: 'my-shoot' } }],
    ['with an extra key', { ...live, data: { ...live.data, EXTRA: 'x' } }],
    ['without our label', { ...live, metadata: { ...live.metadata, labels: {} } }],
  ])('is not current when the live ConfigMap is %s', (_name, object) => {
    expect(isShootInfoCurrent(object, desired)).toBe(false);
  });
});
