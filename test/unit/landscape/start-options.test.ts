import { describe, expect, it } from 'vitest';
import { StartUsageError, parseStartOptions } from '../../../hack/landscape/start-options.js';

describe('parseStartOptions', () => {
  it('defaults: one shoot, a 2 minute deadline, keep running', () => {
    expect(parseStartOptions([], {})).toEqual({
      shoots: 1,
      exitWhenBootstrapped: false,
      bootstrapTimeoutMs: 120_000,
      shootFile: undefined,
      help: false,
    });
  });

  it('reads every option; CI=true exits when bootstrapped', () => {
    expect(
      parseStartOptions(['--shoots', '4', '--bootstrap-timeout', '1m30s', '--shoot-file', 'x.yaml'], {
        CI: 'true',
      }),
    ).toEqual({
      shoots: 4,
      exitWhenBootstrapped: true,
      bootstrapTimeoutMs: 90_000,
      shootFile: 'x.yaml',
      help: false,
    });
  });

  it.each([
    [['--kubeconfig', 'prod.yaml'], /takes no --kubeconfig; .*npm run controller -- --kubeconfig FILE/],
    [['--kubeconfig=prod.yaml'], /takes no --kubeconfig/],
    [['--leader-election=false'], /Unknown option '--leader-election'/],
    [['run'], /positional argument/],
    [['--shoots', '0'], /--shoots must be a whole number from 1 to 20, got "0"/],
    [['--shoots', 'two'], /--shoots must be a whole number/],
    [['--bootstrap-timeout', 'soon'], /--bootstrap-timeout: "soon" is not a duration/],
  ])('refuses %j', (args, message) => {
    expect(() => parseStartOptions(args, {})).toThrow(StartUsageError);
    expect(() => parseStartOptions(args, {})).toThrow(message);
  });
});
