import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { decodeShootKubeconfig, shootAccessSecretNames } from '../../../src/gardener/shoot-access.js';

const kubeconfig = (user: Record<string, unknown>) =>
  yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'shoot', cluster: { server: 'https://api.shoot:443', 'certificate-authority-data': 'Q0E=' } },
    ],
    users: [{ name: 'gardener', user }],
    contexts: [{ name: 'shoot', context: { cluster: 'shoot', user: 'gardener' } }],
    'current-context': 'shoot',
  });

describe('shootAccessSecretNames', () => {
  it('prefers gardener-internal, and uses only gardener when external', () => {
    expect(shootAccessSecretNames('internal')).toEqual(['gardener-internal', 'gardener']);
    expect(shootAccessSecretNames('external')).toEqual(['gardener']);
  });
});

describe('decodeShootKubeconfig', () => {
  it.each([
    ['token', { token: 's3cret' }],
    ['client certificate', { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5' }],
    ['basic auth', { username: 'admin', password: 'pw' }],
  ])('accepts %s', (_name, user) => {
    const result = decodeShootKubeconfig(kubeconfig(user));
    expect(result).toMatchObject({ kubeconfig: { server: 'https://api.shoot:443', caData: 'Q0E=' } });
  });

  it.each([
    ['exec plugins', { exec: { command: 'rm' } }, '"exec"'],
    ['auth providers', { 'auth-provider': { name: 'gcp' } }, '"auth-provider"'],
    ['impersonation', { token: 't', as: 'system:admin' }, '"as"'],
    ['file references', { tokenFile: '/etc/passwd' }, '"tokenFile"'],
    ['no credentials', { token: '' }, 'has no credentials'],
  ])('rejects %s without echoing credentials', (_name, user, message) => {
    const result = decodeShootKubeconfig(kubeconfig(user));
    expect(result).toHaveProperty('error');
    const error = (result as { error: string }).error;
    expect(error).toContain(message);
    expect(error).not.toContain('system:admin');
  });

  it('rejects a kubeconfig without a current context or server', () => {
    expect(decodeShootKubeconfig('apiVersion: v1\nkind: Config\n')).toEqual({
      error: 'kubeconfig has no current context',
    });
    expect(decodeShootKubeconfig(': : :')).toEqual({ error: 'kubeconfig is not valid YAML (line 1)' });
  });

  it.each([
    ['a trailing newline', 'abc.def-123\n'],
    ['CR/LF', 'abc.def-123\r\n'],
    ['surrounding blanks and tabs', ' \tabc.def-123 \t'],
  ])('trims a token with %s, as client-go does for token files', (_name, token) => {
    expect(decodeShootKubeconfig(kubeconfig({ token }))).toMatchObject({
      kubeconfig: { user: { token: 'abc.def-123' } },
    });
  });

  it.each([
    [
      'a newline inside',
      { token: 'abc\ndef' },
      'has a token with whitespace, control or non-ASCII characters inside',
    ],
    ['header injection', { token: 'abc\r\nX-Evil: 1' }, 'has a token with whitespace'],
    ['a tab inside', { token: 'abc\tdef' }, 'has a token with whitespace'],
    ['a NUL byte', { token: 'abc\u0000def' }, 'has a token with whitespace'],
    ['non-ASCII', { token: 'abcädef' }, 'has a token with whitespace'],
    ['a username with a colon', { username: 'ad:min', password: 'pw' }, 'has a username with'],
    ['a username with a newline inside', { username: 'ad\nmin', password: 'pw' }, 'has a username with'],
    [
      'a password with a line break',
      { username: 'admin', password: 'p\r\nw' },
      'has a password with control',
    ],
    ['a token that is no string', { token: 12345 }, 'field "token" must be a string'],
    ['a certificate without key', { 'client-certificate-data': 'Y2VydA==' }, 'needs both'],
    [
      'a key that is no base64',
      { 'client-certificate-data': 'Y2VydA==', 'client-key-data': 'a2V5!' },
      'is not base64',
    ],
  ])('refuses %s, never echoing the value', (_name, user, message) => {
    const result = decodeShootKubeconfig(kubeconfig(user));
    const error = (result as { error?: string }).error ?? '';
    expect(error).toContain(message);
    expect(error.startsWith('kubeconfig user "gardener"')).toBe(true);
    for (const value of Object.values(user)) {
      if (typeof value === 'string') expect(error).not.toContain(value.trim());
    }
  });

  it.each([
    ['a list', '[1, 2]', 'kubeconfig must be a mapping'],
    ['a scalar', '42', 'kubeconfig must be a mapping'],
    ['contexts that are a number', 'contexts: 5\ncurrent-context: c', 'kubeconfig contexts must be a list'],
    [
      'a null context entry',
      'contexts: [null]\ncurrent-context: c',
      'kubeconfig contexts[0] must be a mapping',
    ],
    [
      'a context that is a string',
      'contexts: [{name: c, context: x}]\ncurrent-context: c',
      'kubeconfig contexts[0].context must be a mapping',
    ],
    [
      'a current-context that is a list',
      'current-context: [a]',
      'kubeconfig current-context must be a string',
    ],
    [
      'a context naming a cluster by number',
      'contexts: [{name: c, context: {cluster: 5}}]\ncurrent-context: c',
      'kubeconfig context "c" field "cluster" must be a string',
    ],
    [
      'clusters that are a mapping',
      'contexts: [{name: c, context: {cluster: c, user: u}}]\nclusters: {a: 1}\ncurrent-context: c',
      'kubeconfig clusters must be a list',
    ],
    [
      'a server that is a number',
      'contexts: [{name: c, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: 5}}]\ncurrent-context: c',
      'kubeconfig cluster "c" field "server" must be a string',
    ],
    [
      'a server that is no URL',
      'contexts: [{name: c, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "api shoot"}}]\ncurrent-context: c',
      'kubeconfig cluster "c" has a server that is no http(s) URL',
    ],
    [
      'a null user entry',
      'contexts: [{name: c, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [null]\ncurrent-context: c',
      'kubeconfig users[0] must be a mapping',
    ],
    [
      'a user that is a list',
      'contexts: [{name: c, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: "https://a"}}]\nusers: [{name: u, user: [1]}]\ncurrent-context: c',
      'kubeconfig users[0].user must be a mapping',
    ],
    [
      'insecure-skip-tls-verify that is a string',
      'contexts: [{name: c, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "https://a", insecure-skip-tls-verify: "yes"}}]\ncurrent-context: c',
      'kubeconfig cluster "c" field "insecure-skip-tls-verify" must be a boolean',
    ],
  ])('gives a message for %s', (_name, text, error) => {
    expect(decodeShootKubeconfig(text)).toEqual({ error });
  });

  it('never echoes a server address, which may carry userinfo', () => {
    const text =
      'contexts: [{name: c, context: {cluster: c}}]\nclusters: [{name: c, cluster: {server: "ftp://u:s3cret@h"}}]\ncurrent-context: c';
    expect(JSON.stringify(decodeShootKubeconfig(text))).not.toContain('s3cret');
  });

  it('escapes and bounds names it quotes', () => {
    const name = `a\n${'x'.repeat(10_000)}`;
    const result = decodeShootKubeconfig(yaml.dump({ 'current-context': name }));
    const error = (result as { error: string }).error;
    expect(error).not.toContain('\n');
    expect(error.length).toBeLessThan(300);
  });
});
