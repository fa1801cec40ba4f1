import { Command, Option } from 'commander';
import { extensionType } from '../../api/constants.js';
import {
  createShootFluxActuator,
  defaultShootTimeouts,
  type RunActuatorFactory,
} from '../../controller/composition.js';
import { defaultHealthCheckSyncPeriodMs, type ExtensionClass } from '../../gardener/constants.js';
import { addLandscapeFlags } from '../landscape-flags.js';
import { addSeedClientFlags } from '../seed-client-flags.js';
import { runController } from '../run-controller.js';
import {
  boolOption,
  collect,
  controllerNames,
  enabledControllers,
  inClusterNamespace,
  nonEmpty,
  parseChecksums,
  parseClasses,
  parseControllers,
  parseDurationFlag,
  parsePositiveInteger,
  type ControllerName,
  type RunOptions,
} from '../run-flags.js';
import {
  healthBindAddressOption,
  logFormatOption,
  logLevelOption,
  metricsBindAddressOption,
} from '../serving-options.js';

/** Builds the `run` command (its flags and their checks); tests may pass their own actuator factory. */
export function buildRunCommand(createActuator: RunActuatorFactory = createShootFluxActuator): Command {
  const env = process.env;
  return addSeedClientFlags(
    addLandscapeFlags(
      new Command('run')
        .description('Run the extension controller against a seed cluster')
        .exitOverride()
        .option('--kubeconfig <path>', 'seed kubeconfig (default: in-cluster, else $KUBECONFIG)')
        .addOption(boolOption('--leader-election', 'elect a leader among replicas with a Lease', true))
        .option(
          '--leader-election-id <name>',
          'name of the leader election Lease',
          `${extensionType}-leader-election`,
        )
        .addOption(
          new Option(
            '--leader-election-namespace <namespace>',
            'namespace of the leader election Lease',
          ).default(env.LEADER_ELECTION_NAMESPACE, '$LEADER_ELECTION_NAMESPACE'),
        )
        .addOption(
          new Option('--max-concurrent-reconciles <n>', 'Extensions reconciled at the same time')
            .argParser(parsePositiveInteger)
            .default(5),
        )
        .addOption(
          new Option(
            '--extension-max-concurrent-reconciles <n>',
            'alias of --max-concurrent-reconciles (Gardener name)',
          )
            .argParser(parsePositiveInteger)
            .hideHelp(),
        )
        .addOption(
          new Option(
            '--max-concurrent-flux-upgrades <n>',
            'Flux upgrades of shoots in syncMode Full that run at once; the others wait for a free slot',
          )
            .argParser(parsePositiveInteger)
            .default(10),
        )
        .addOption(
          boolOption(
            '--ignore-operation-annotation',
            'reconcile on every generation change, also of the Cluster',
            false,
          ),
        )
        .addOption(
          new Option(
            '--extension-classes <classes>',
            'Extension classes to serve (comma-separated or repeated)',
          )
            .argParser(parseClasses)
            .default([] as ExtensionClass[], 'shoot'),
        )
        .option(
          '--garden-cluster-identity <identity>',
          'identity of the garden cluster (shoot-info)',
          'garden',
        )
        .addOption(
          new Option('--heartbeat-namespace <namespace>', 'namespace of the heartbeat Lease').default(
            env.LEADER_ELECTION_NAMESPACE,
            '$LEADER_ELECTION_NAMESPACE',
          ),
        )
        .addOption(
          new Option('--heartbeat-renew-interval-seconds <n>', 'renew interval of the heartbeat Lease')
            .argParser(parsePositiveInteger)
            .default(30),
        )
        .addOption(metricsBindAddressOption())
        .addOption(healthBindAddressOption())
        .addOption(logLevelOption())
        .addOption(logFormatOption())
        .addOption(
          new Option(
            '--flux-manifests-base <location>',
            'Flux release bundle locations (directory or URL; repeatable, comma-separated)',
          )
            .argParser(collect)
            .default([] as string[], "Flux's GitHub releases"),
        )
        .addOption(
          new Option(
            '--flux-manifests-checksum <version=sha256>',
            'expected sha256 of a release bundle (repeatable, comma-separated), verified on every load',
          )
            .argParser(parseChecksums)
            .default({}, 'none'),
        )
        .addOption(
          new Option('--reconcile-timeout <duration>', 'deadline of one reconcile')
            .argParser(parseDurationFlag)
            .default(180_000, '3m'),
        )
        .addOption(
          new Option(
            '--health-check-sync-period <duration>',
            'how often each bootstrapped shoot is health-checked',
          )
            .argParser(parseDurationFlag)
            .default(defaultHealthCheckSyncPeriodMs, '30s'),
        )
        .addOption(
          new Option(
            '--health-check-heartbeat-period <duration>',
            'rewrite the check time of an unchanged health status this often',
          )
            .argParser(parseDurationFlag)
            .default(5 * 60_000, '5m'),
        )
        .addOption(
          boolOption(
            '--health-check-watch',
            "watch each shoot's Flux objects and Deployments and check on every change (ManifestsOnly, Full: and repair drift at once)",
            false,
          ),
        )
        .addOption(
          new Option(
            '--shoot-request-timeout <duration>',
            'deadline of one request to a shoot API server (for a watch: until its response headers)',
          )
            .argParser(parseDurationFlag)
            .default(defaultShootTimeouts.requestMs, '30s'),
        )
        .addOption(
          new Option(
            '--shoot-connect-timeout <duration>',
            'deadline of connecting to a shoot API server (TCP and TLS)',
          )
            .argParser(parseDurationFlag)
            .default(defaultShootTimeouts.connectMs, '10s'),
        )
        .addOption(
          new Option(
            '--graceful-shutdown-timeout <duration>',
            'on SIGTERM, how long cancelled reconciles may take to record their state before the process stops anyway',
          )
            .argParser(parseDurationFlag)
            .default(10_000, '10s'),
        )
        // Gardener's standard extension flags (extensions/pkg/controller/cmd): a chart or gardenlet
        // may pass any of them, so each is accepted; what each does here is in docs/operations.md.
        .option('--master <url>', "API server URL of the seed, overriding the kubeconfig's")
        .addOption(
          new Option('--controllers <names>', `controllers to run (${controllerNames.join(', ')})`)
            .argParser(parseControllers)
            .default([] as ControllerName[], 'all'),
        )
        .addOption(
          new Option('--disable-controllers <names>', 'controllers not to run')
            .argParser(parseControllers)
            .default([] as ControllerName[], 'none'),
        )
        .option(
          '--gardener-version <version>',
          'version of the Gardener that deploys the extension (informational)',
        )
        .addOption(
          boolOption(
            '--self-hosted-shoot-cluster',
            'the extension runs in a self-hosted shoot cluster (informational)',
            false,
          ),
        )
        .addOption(
          new Option('--leader-election-resource-lock <lock>', 'resource lock of the leader election')
            .choices(['leases'])
            .default('leases'),
        )
        .addOption(
          new Option(
            '--healthcheck-max-concurrent-reconciles <n>',
            'accepted for Gardener charts; the health monitor has no work queue to size',
          ).argParser(parsePositiveInteger),
        )
        .action(async (raw: RunOptions & { extensionMaxConcurrentReconciles?: number }, command: Command) => {
          const options: RunOptions = {
            ...raw,
            maxConcurrentReconciles: raw.extensionMaxConcurrentReconciles ?? raw.maxConcurrentReconciles,
            leaderElectionNamespace:
              nonEmpty(raw.leaderElectionNamespace) ??
              (raw.leaderElection ? inClusterNamespace() : undefined),
            heartbeatNamespace: nonEmpty(raw.heartbeatNamespace) ?? inClusterNamespace(),
          };
          if (options.shootRequestTimeout >= options.reconcileTimeout) {
            command.error('error: --shoot-request-timeout must be shorter than --reconcile-timeout', {
              exitCode: 2,
              code: 'shoot-flux.shootRequestTimeout',
            });
          }
          if (options.shootConnectTimeout > options.shootRequestTimeout) {
            command.error('error: --shoot-connect-timeout must not exceed --shoot-request-timeout', {
              exitCode: 2,
              code: 'shoot-flux.shootConnectTimeout',
            });
          }
          if (!enabledControllers(options).includes('extension')) {
            command.error(
              'error: the extension controller cannot be disabled: it is the only work of this process; scale the Deployment to 0 instead',
              { exitCode: 2, code: 'shoot-flux.disableControllers' },
            );
          }
          if (options.leaderElection && !options.leaderElectionNamespace) {
            command.error(
              'error: --leader-election needs a namespace: pass --leader-election-namespace or set $LEADER_ELECTION_NAMESPACE',
              { exitCode: 2, code: 'shoot-flux.leaderElectionNamespace' },
            );
          }
          process.exitCode = await runController(options, createActuator, env);
        }),
    ),
  );
}
