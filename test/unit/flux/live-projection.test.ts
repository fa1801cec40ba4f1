import { describe, expect, it } from 'vitest';
import { projectLiveOnto } from '../../../src/flux/live-projection.js';

describe('projectLiveOnto', () => {
  it.each([
    [
      'keeps only the fields the desired object sets',
      { spec: { a: 1 } },
      { spec: { a: 1, b: 2 }, status: {} },
      { spec: { a: 1 } },
    ],
    [
      'marks a field that is gone as null',
      { spec: { a: 1, c: 'x' } },
      { spec: { a: 1 } },
      { spec: { a: 1, c: null } },
    ],
    ['keeps the server value, not the desired one', { cpu: '1000m' }, { cpu: '1' }, { cpu: '1' }],
    [
      'projects list elements by position and counts added ones',
      { items: [{ name: 'a' }] },
      { items: [{ name: 'a', x: 1 }, { name: 'b' }] },
      { items: [{ name: 'a' }, null] },
    ],
    [
      'takes a scalar where an object was wanted as it is',
      { spec: { a: 1 } },
      { spec: 'text' },
      { spec: 'text' },
    ],
  ])('%s', (_name, desired, live, projection) => {
    expect(projectLiveOnto(desired, live)).toEqual(projection);
  });

  it('gives equal projections for one object whatever the server adds besides', () => {
    const desired = { metadata: { name: 'x', labels: { a: 'b' } }, spec: { interval: '1m' } };
    const first = {
      metadata: { name: 'x', labels: { a: 'b' }, resourceVersion: '1' },
      spec: { interval: '1m' },
    };
    const later = {
      ...first,
      metadata: { ...first.metadata, resourceVersion: '9', finalizers: ['f'] },
      status: { x: 1 },
    };
    expect(projectLiveOnto(desired, later)).toEqual(projectLiveOnto(desired, first));
  });
});
