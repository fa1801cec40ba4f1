import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBoolFlag, parseDurationFlag } from '../../../src/cli/run-flags.js';

// Invalid flags are rejected before anything connects anywhere, so the BUILT CLI can be run as a
// black box without a cluster (`npm run build` first; `npm test` does).
const main = join(import.meta.dirname, '../../../dist/cli/main.js');

function run(args: string[]) {
  const result = spawnSync(process.execPath, [main, 'run', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 20_000,
  });
  return { code: result.status, stderr: result.stderr };
}

beforeAll(() => {
  if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
});

describe('run flags', () => {
  it.each([
    ['unknown flag', ['--no-such-flag'], "unknown option '--no-such-flag'"],
    ['boolean that is not one', ['--leader-election=maybe'], '"maybe" is not a boolean'],
    ['duration without unit', ['--reconcile-timeout=180'], '"180" is not a duration'],
    ['zero reconciles', ['--max-concurrent-reconciles=0'], 'must be an integer greater than 0'],
    ['unknown extension class', ['--extension-classes=shoot,moon'], 'unsupported extension class "moon"'],
    ['invalid log level', ['--log-level=loud'], "'loud' is invalid"],
    ['malformed checksum', ['--flux-manifests-checksum=v2.9.2=abc'], 'expected VERSION=SHA256'],
    ['leader election without a namespace', ['--leader-election'], '--leader-election needs a namespace'],
    [
      'a shoot request timeout as long as the reconcile',
      ['--shoot-request-timeout=3m'],
      '--shoot-request-timeout must be shorter than --reconcile-timeout',
    ],
    [
      'a connect timeout beyond the request timeout',
      ['--shoot-connect-timeout=45s'],
      '--shoot-connect-timeout must not exceed --shoot-request-timeout',
    ],
    ['a grace period without unit', ['--graceful-shutdown-timeout=10'], '"10" is not a duration'],
    ['a seed rate limit of zero', ['--kube-api-qps=0'], '"0" must be a number greater than 0'],
    ['a fractional burst', ['--kube-api-burst=1.5'], '"1.5" must be an integer greater than 0'],
    [
      'an unknown controller',
      ['--controllers=extension,moon'],
      'cannot enable/disable unknown controller "moon"',
    ],
    [
      'an unknown disabled controller',
      ['--disable-controllers=moon'],
      'cannot enable/disable unknown controller',
    ],
    [
      'the extension controller disabled',
      ['--disable-controllers=extension'],
      'the extension controller cannot be disabled',
    ],
    [
      'a resource lock other than Leases',
      ['--leader-election-resource-lock=configmaps'],
      "'configmaps' is invalid",
    ],
  ])('rejects %s with a clear message and exit 2', (_name, args, message) => {
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it.each([
    ['--flag', true, true],
    ['true', 'true', true],
    ['false', 'false', false],
    ['Go ParseBool 0', '0', false],
    ['Go ParseBool T', 'T', true],
  ])('parses pflag-style booleans: %s', (_name, value, expected) => {
    expect(parseBoolFlag(value)).toBe(expected);
  });

  it.each([
    ['3m', 180_000],
    ['90s', 90_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
  ])('parses Go durations: %s', (value, ms) => {
    expect(parseDurationFlag(value)).toBe(ms);
  });

  it("accepts Gardener's standard flags, logs the informational ones, and fails only later on the missing kubeconfig", () => {
    const result = spawnSync(
      process.execPath,
      [
        main,
        'run',
        '--leader-election=false',
        '--kubeconfig=/nonexistent/seed.kubeconfig',
        '--gardener-version=v1.130.0',
        '--self-hosted-shoot-cluster=false',
        '--controllers=extension,healthcheck,heartbeat',
        '--disable-controllers=heartbeat',
        '--leader-election-resource-lock=leases',
        '--healthcheck-max-concurrent-reconciles=5',
        '--master=https://127.0.0.1:1',
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 20_000 },
    );
    expect(result.stderr).not.toContain('unknown option');
    expect(result.stderr).toContain("ENOENT: no such file or directory, open '/nonexistent/seed.kubeconfig'");
    const lines = `${result.stdout}${result.stderr}`
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.msg === 'Gardener flags taken as information only')).toMatchObject({
      gardenerVersion: 'v1.130.0',
    });
    const started = lines.find((line) => line.msg === 'Starting gardener-extension-shoot-flux');
    // A path is not a secret: it is logged as it is.
    expect(started).toMatchObject({ flags: { kubeconfigPath: '/nonexistent/seed.kubeconfig' } });
  });

  it('shows the effective defaults in --help, once each', () => {
    const result = spawnSync(process.execPath, [main, 'run', '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 20_000,
    });
    expect(result.stdout).not.toMatch(/\(default: \[\]\)|\(default: \{\}\)/);
    expect(result.stdout).toMatch(
      /--extension-classes <classes> +Extension classes to serve \(comma-separated or repeated\) \(default: shoot\)/,
    );
    expect(result.stdout).toContain("(default: Flux's GitHub releases)");
  });
});
