import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { KubeRawClient } from '../../../src/kube/raw-client.js';
import {
  RestMapper,
  UnsafePathSegmentError,
  buildObjectPath,
  buildResourcePath,
  encodePathSegment,
  isSafePathSegment,
  type ResourceMapping,
} from '../../../src/kube/rest-mapper.js';

const secrets: ResourceMapping = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
const namespaces: ResourceMapping = {
  apiVersion: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
};
const gitRepositories: ResourceMapping = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'GitRepository',
  plural: 'gitrepositories',
  namespaced: true,
};

// Each of these once addressed another URL: `..` the Namespace, `.` the collection.
const unsafe = ['', '.', '..', 'a/b', '../x', '/', 'a\\b', '%2e%2e', '%2F', 'x%'];

describe('request paths', () => {
  it('builds object and collection paths for core and group kinds', () => {
    expect(buildResourcePath(secrets, 'flux-system', 'git')).toBe(
      '/api/v1/namespaces/flux-system/secrets/git',
    );
    expect(buildResourcePath(secrets, 'flux-system')).toBe('/api/v1/namespaces/flux-system/secrets');
    expect(buildResourcePath(secrets)).toBe('/api/v1/secrets');
    expect(buildResourcePath(namespaces, undefined, 'gotk')).toBe('/api/v1/namespaces/gotk');
    expect(buildObjectPath(gitRepositories, 'apps', 'a.b')).toBe(
      '/apis/source.toolkit.fluxcd.io/v1/namespaces/apps/gitrepositories/a.b',
    );
  });

  it.each(unsafe)('refuses the name %j', (name) => {
    expect(() => buildResourcePath(secrets, 'flux-system', name)).toThrow(UnsafePathSegmentError);
    expect(() => buildObjectPath(secrets, 'flux-system', name)).toThrow(UnsafePathSegmentError);
    expect(() => buildObjectPath(namespaces, undefined, name)).toThrow(UnsafePathSegmentError);
  });

  it.each(unsafe)('refuses the namespace %j', (namespace) => {
    expect(() => buildResourcePath(secrets, namespace, 'git')).toThrow(UnsafePathSegmentError);
    expect(() => buildResourcePath(secrets, namespace)).toThrow(UnsafePathSegmentError);
  });

  it('never turns an object request into a collection request', () => {
    // A DELETE on the collection would delete every secret in the namespace.
    expect(() => buildObjectPath(secrets, 'flux-system', undefined as unknown as string)).toThrow(
      UnsafePathSegmentError,
    );
    // A namespaced object without its namespace is not addressed across all namespaces.
    expect(() => buildObjectPath(secrets, undefined, 'git')).toThrow(UnsafePathSegmentError);
  });

  it('encodes what it lets through, and names the refused part without echoing a huge value', () => {
    expect(encodePathSegment('a?b#c d', 'name')).toBe('a%3Fb%23c%20d');
    expect(isSafePathSegment(5)).toBe(false);
    const error = new UnsafePathSegmentError('name', '.'.repeat(10_000));
    expect(error.message.length).toBeLessThan(300);
    expect(() => encodePathSegment('..', 'namespace')).toThrow(/^refusing namespace "\.\."/);
  });
});

describe('RestMapper', () => {
  it('maps the core kinds of every reconcile without a discovery request', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      // Nothing listens there: a request would fail the resolve.
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const requests: string[] = [];
    const mapper = new RestMapper(new KubeRawClient(kubeConfig, (verb) => requests.push(verb)));
    expect(await mapper.resolve('v1', 'Secret')).toEqual(secrets);
    expect(await mapper.resolve('v1', 'Namespace')).toEqual(namespaces);
    expect(await mapper.resolve('v1', 'ConfigMap')).toMatchObject({ plural: 'configmaps', namespaced: true });
    expect(requests).toEqual([]);
  });
});
