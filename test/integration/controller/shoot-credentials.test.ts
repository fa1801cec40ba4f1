import { randomBytes } from 'node:crypto';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manager } from '../../../src/controller/manager.js';
import { shootAccessKubeconfig } from '../support/clusters.js';
import { captureLogs } from '../support/log-capture.js';
import {
  type TestShoot,
  useTestShoots,
  publicGitConfig,
  startShootFluxManager,
} from './shoot-flux-support.js';

interface KubeconfigShape {
  users: { user: { token: string } }[];
}

/** The run's shoot access kubeconfig with its token replaced. */
function kubeconfigWithToken(token: (real: string) => string): string {
  const raw = yaml.load(shootAccessKubeconfig()) as KubeconfigShape;
  const user = raw.users[0]?.user;
  if (!user) throw new Error('the shoot access kubeconfig has no user');
  user.token = token(user.token);
  return yaml.dump(raw);
}

const realToken = (yaml.load(shootAccessKubeconfig()) as KubeconfigShape).users[0]?.user.token ?? '';

// Its own Extension type: test files run in parallel against one seed, each with its own manager.
const extensionType = 'shoot-flux-credentials';

describe('shoot-flux controller against hostile input', () => {
  let manager: Manager;
  const logs = captureLogs();
  const shoots = useTestShoots();

  beforeAll(async () => {
    manager = await startShootFluxManager({ logger: logs.logger, extensionType });
  });
  afterAll(async () => {
    await manager.stop();
  });

  /** Everything a user or operator can read about one shoot: the Extension, the namespace's Events, the log. */
  async function everythingVisible(gardenlet: TestShoot): Promise<string> {
    const events = await gardenlet.core.listNamespacedEvent({ namespace: gardenlet.namespace });
    return JSON.stringify([await gardenlet.extension(), events.items]) + logs.text();
  }

  async function warningEvents(gardenlet: TestShoot) {
    const events = await gardenlet.core.listNamespacedEvent({ namespace: gardenlet.namespace });
    return events.items.filter((e) => e.reason === 'ProviderConfigWarning');
  }

  it.each([
    ['a trailing newline', (t: string) => `${t}\n`],
    ['a trailing CR/LF', (t: string) => `${t}\r\n`],
    ['surrounding tabs', (t: string) => `\t${t}\t`],
  ])('trims a token with %s, reaches the shoot and never shows the token', async (_name, mangle) => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    await gardenlet.writeSecret('gardener', { kubeconfig: kubeconfigWithToken(mangle) });
    await gardenlet.startKubelet();
    await gardenlet.createExtension(publicGitConfig(gardenlet.fluxNamespace));
    // The GitRepository exists only after Flux was installed with the trimmed token.
    await expect
      .poll(() =>
        gardenlet.flux.readObject(
          'source.toolkit.fluxcd.io',
          'gitrepositories',
          gardenlet.fluxNamespace,
          'flux-system',
        ),
      )
      .toBeDefined();
    expect(realToken.length).toBeGreaterThan(8);
    expect(await everythingVisible(gardenlet)).not.toContain(realToken);
  });

  it.each([
    ['a newline inside', (secret: string) => `${secret}\nrest`],
    ['header injection', (secret: string) => `${secret}\r\nX-Evil: 1`],
    ['a tab inside', (secret: string) => `${secret}\tx`],
  ])('refuses a token with %s with a coded error that never shows it', async (_name, mangle) => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    await gardenlet.writeSecret('gardener', { kubeconfig: kubeconfigWithToken(() => mangle(secret)) });
    await gardenlet.createExtension(publicGitConfig(gardenlet.fluxNamespace));
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError)
      .toMatchObject({
        description: `Error reconciling Extension: secret ${gardenlet.namespace}/gardener: kubeconfig user "gardener" has a token with whitespace, control or non-ASCII characters inside`,
        codes: ['ERR_RETRYABLE_INFRA_DEPENDENCIES'],
      });
    const visible = await everythingVisible(gardenlet);
    expect(visible).not.toContain(secret);
    expect(visible).not.toContain('X-Evil');
  });

  it('turns 3000 unknown fields into one Event per reconcile, counted again on the next', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    const unknown = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`unknownField${i}`, i]));
    // Invalid as well (a Kustomization without a source), so no shoot work is needed to finish.
    const config = { ...publicGitConfig(gardenlet.fluxNamespace), ...unknown, source: undefined };
    await gardenlet.createExtension(config);
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.codes)
      .toEqual(['ERR_CONFIGURATION_PROBLEM']);
    await expect.poll(async () => (await warningEvents(gardenlet)).map((e) => e.count)).toEqual([1]);
    const [first] = await warningEvents(gardenlet);
    expect(first?.message).toMatch(
      /^3000 warnings: unknownField0: unknown field, ignored; .*; and \d+ more$/,
    );
    expect(Buffer.byteLength(first?.message ?? '')).toBeLessThanOrEqual(1024);

    await gardenlet.annotate();
    await expect.poll(async () => (await warningEvents(gardenlet)).map((e) => e.count)).toEqual([2]);
    const lines = logs
      .lines()
      .filter((line) => JSON.stringify(line.extension ?? '').includes(gardenlet.namespace))
      .filter((line) => line.msg === 'Deprecated or unknown providerConfig fields');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.stringify(line).length).toBeLessThan(8 * 1024);
  });

  it('records lastError for a 700 KiB bad value, bounded', async () => {
    const gardenlet = shoots.create(extensionType);
    await gardenlet.createShoot();
    const config = publicGitConfig(gardenlet.fluxNamespace);
    // Not a git URL scheme, so validation reports it with its (huge) value.
    config.source.template.spec.url = `ftp://u:t0ken@${'x'.repeat(700 * 1024)}`;
    await gardenlet.createExtension(config);
    await expect
      .poll(async () => (await gardenlet.extension()).status?.lastError?.description)
      .toMatch(/source\.template\.spec\.url: Invalid value: "ftp:\/\/\*\*\*@x+… \(truncated, \d+ bytes\)"/);
    const status = (await gardenlet.extension()).status;
    expect(status?.lastOperation?.state).toBe('Error');
    expect(JSON.stringify(status).length).toBeLessThan(20 * 1024);
    // The spec holds the value as the user wrote it; status, Events and logs must not.
    const events = await gardenlet.core.listNamespacedEvent({ namespace: gardenlet.namespace });
    expect(`${JSON.stringify([status, events.items])}${logs.text()}`.includes('t0ken')).toBe(false);
  });
});
