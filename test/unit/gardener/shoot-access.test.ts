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
    expect(decodeShootKubeconfig(': : :')).toEqual({ error: 'kubeconfig is not valid YAML' });
  });
});
