import { describe, expect, it } from 'vitest';
import {
  evaluateDeploymentReadiness,
  evaluateWorkloadReadiness,
  findMissingWorkloadObjects,
} from '../../../src/kube/workload-readiness.js';

const established = (name: string) => ({
  metadata: { name },
  status: {
    conditions: [
      { type: 'NamesAccepted', status: 'True' },
      { type: 'Established', status: 'True' },
    ],
  },
});

const available = (name: string, generation = 1) => ({
  metadata: { name, generation },
  spec: { replicas: 1 },
  status: {
    observedGeneration: generation,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    ],
  },
});

describe('evaluateDeploymentReadiness', () => {
  const base = available('d', 2);
  it.each([
    ['available for its generation', base, undefined],
    ['missing', undefined, 'not found'],
    [
      'no status yet',
      { metadata: { name: 'd', generation: 1 }, spec: { replicas: 1 } },
      'generation 1 not observed yet (observed 0)',
    ],
    [
      'an older generation observed',
      { ...base, status: { ...base.status, observedGeneration: 1 } },
      'generation 2 not observed yet (observed 1)',
    ],
    [
      'Available=False',
      {
        ...base,
        status: {
          ...base.status,
          availableReplicas: 0,
          conditions: [{ type: 'Available', status: 'False' }],
        },
      },
      '0 of 1 replicas available',
    ],
    [
      'rollout stopped',
      {
        ...base,
        status: {
          ...base.status,
          conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
        },
      },
      'not progressing: ProgressDeadlineExceeded',
    ],
    [
      'replica failure',
      {
        ...base,
        status: {
          ...base.status,
          conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'quota' }],
        },
      },
      'replica failure: quota',
    ],
    [
      'old replicas still there',
      { ...base, status: { ...base.status, replicas: 2 } },
      '1 old replicas pending termination',
    ],
    [
      'being deleted',
      { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } },
      'being deleted',
    ],
  ])('%s', (_, deployment, expected) => {
    expect(evaluateDeploymentReadiness(deployment)).toBe(expected);
  });
});

describe('evaluateWorkloadReadiness', () => {
  const targets = {
    namespace: 'flux-system',
    crds: ['a.example.com', 'b.example.com'],
    deployments: ['x', 'y'],
  };

  it('is ready when every CRD is established and every Deployment available', () => {
    expect(
      evaluateWorkloadReadiness(targets, {
        crds: [established('a.example.com'), established('b.example.com')],
        deployments: [available('x'), available('y')],
      }),
    ).toEqual({ ready: true, pending: [] });
  });

  it('lists everything still missing, not only source-controller', () => {
    expect(
      evaluateWorkloadReadiness(targets, {
        crds: [established('a.example.com'), { metadata: { name: 'b.example.com' } }],
        deployments: [available('x')],
      }),
    ).toEqual({
      ready: false,
      pending: [
        'CustomResourceDefinition b.example.com: not established yet',
        'Deployment flux-system/y: not found',
      ],
    });
  });
});

describe('findMissingWorkloadObjects', () => {
  it('names the CRDs and Deployments that do not exist, not those that are merely unready', () => {
    const targets = {
      namespace: 'flux-system',
      crds: ['a.example.com', 'b.example.com'],
      deployments: ['x', 'y'],
    };
    expect(
      findMissingWorkloadObjects(targets, {
        crds: [{ metadata: { name: 'a.example.com' } }],
        deployments: [{ metadata: { name: 'x' } }],
      }),
    ).toEqual(['CustomResourceDefinition b.example.com', 'Deployment flux-system/y']);
  });
});
