import { parseArgs } from 'node:util';
import { parseDurationFlag } from '../../src/cli/run-flags.js';

/** What `npm start -- …` was asked for. */
export interface StartOptions {
  /** Shoots bootstrapped at once (`--shoots N`), alternating Git and OCI sources when more than one. */
  shoots: number;
  /** Stop right after every shoot is bootstrapped (`--exit-when-bootstrapped`, or CI=true). */
  exitWhenBootstrapped: boolean;
  /** How long the shoots may take, from their Extensions' creation (`--bootstrap-timeout`). */
  bootstrapTimeoutMs: number;
  /** The Shoot-like file to bootstrap (`--shoot-file`); its directory holds the served sources. */
  shootFile: string | undefined;
  help: boolean;
}

/** A command line `npm start` does not take; the message says what to do instead. */
export class StartUsageError extends Error {
  override readonly name = 'StartUsageError';
}

/** The help text of `npm start -- --help`. */
export const startUsage = [
  'Usage: npm start [-- OPTIONS]',
  '',
  'Starts the local landscape (seed and shoot control planes, Git server, OCI registry, real Flux,',
  'the built controller) and bootstraps the shoot of example/landscape/shoot.yaml. It never uses',
  'a cluster of yours: $KUBECONFIG and in-cluster settings are ignored. To run the controller',
  'against a cluster: npm run controller -- --kubeconfig FILE [run flags]',
  '',
  'Options:',
  '  --shoots N                  bootstrap N shoots at once, alternating Git and OCI (default 1)',
  '  --bootstrap-timeout D       give up after D, with the Extension status (default 2m)',
  '  --exit-when-bootstrapped    stop right after the bootstrap (also with CI=true)',
  '  --shoot-file FILE           another Shoot-like file (default example/landscape/shoot.yaml)',
  '  -h, --help                  this text',
].join('\n');

const defaultBootstrapTimeoutMs = 120_000;
const maxShoots = 20;

/** Parses `npm start`'s arguments; throws {@link StartUsageError} for anything else, `--kubeconfig` included. */
export function parseStartOptions(args: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  if (args.some((a) => a === '--kubeconfig' || a.startsWith('--kubeconfig='))) {
    throw new StartUsageError(
      'npm start always starts the local landscape and takes no --kubeconfig; to run the controller ' +
        'against a cluster: npm run controller -- --kubeconfig FILE',
    );
  }
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (err) {
    throw new StartUsageError(`${(err as Error).message}\n\n${startUsage}`);
  }
  const shoots = Number(values.shoots ?? '1');
  if (!Number.isInteger(shoots) || shoots < 1 || shoots > maxShoots) {
    throw new StartUsageError(
      `--shoots must be a whole number from 1 to ${maxShoots}, got "${values.shoots ?? ''}"`,
    );
  }
  let bootstrapTimeoutMs = defaultBootstrapTimeoutMs;
  if (values['bootstrap-timeout'] !== undefined) {
    try {
      bootstrapTimeoutMs = parseDurationFlag(values['bootstrap-timeout']);
    } catch (err) {
      throw new StartUsageError(`--bootstrap-timeout: ${(err as Error).message}`);
    }
  }
  return {
    shoots,
    exitWhenBootstrapped: values['exit-when-bootstrapped'] === true || env.CI === 'true',
    bootstrapTimeoutMs,
    shootFile: values['shoot-file'],
    help: values.help === true,
  };
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      shoots: { type: 'string' },
      'bootstrap-timeout': { type: 'string' },
      'exit-when-bootstrapped': { type: 'boolean' },
      'shoot-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
