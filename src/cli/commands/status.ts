import { Command } from 'commander';
import { defaultFluxVersion, defaultSyncMode, extensionType } from '../../api/constants.js';
import { isSyncMode } from '../../api/sync-mode.js';
import { fluxSyncedCondition, readBootstrapState } from '../../controller/shoot-flux/state.js';
import { findCondition } from '../../gardener/condition.js';
import { systemComponentsHealthyCondition } from '../../gardener/constants.js';
import type { Extension } from '../../gardener/types.js';
import { ExtensionClient } from '../../controller/extension-client.js';
import { loadKubeConfig } from '../../kube/kubeconfig.js';
import type { CliContext } from '../cli-io.js';
import { addHelpSections } from '../help-text.js';
import { buildOutputOption, renderData } from '../output-format.js';

/** One row of `status`: one shoot-flux Extension. */
export interface StatusRow {
  namespace: string;
  /** `lastOperation.state` (`Succeeded`, `Error`, …), empty before the first operation. */
  state: string;
  bootstrapped: boolean;
  syncMode: string;
  installedVersion: string;
  desiredVersion: string;
  revision: string;
  fluxSynced: string;
  systemComponentsHealthy: string;
  /** `providerStatus.lastCheckTime`, empty when never checked. */
  lastCheckTime: string;
  lastErrorCodes: string[];
}

function desiredVersionOf(extension: Extension): string {
  const config = extension.spec.providerConfig as { flux?: { version?: unknown } } | undefined;
  return typeof config?.flux?.version === 'string' ? config.flux.version : defaultFluxVersion;
}

/** The providerConfig's `syncMode`; the default when unset (an invalid one is the controller's to report). */
function syncModeOf(extension: Extension): string {
  const config = extension.spec.providerConfig as { syncMode?: unknown } | undefined;
  return isSyncMode(config?.syncMode) ? config.syncMode : defaultSyncMode;
}

function operationStateOf(extension: Extension): string {
  return extension.status?.lastOperation?.state ?? '';
}

function conditionStatus(extension: Extension, type: string): string {
  return findCondition(extension.status?.conditions, type)?.status ?? '';
}

/** The row of one Extension, from its status alone (nothing else is read). */
export function buildStatusRow(extension: Extension): StatusRow {
  const provider = (extension.status?.providerStatus ?? {}) as {
    version?: string;
    source?: { revision?: string };
    lastCheckTime?: string;
  };
  const state = readBootstrapState(extension);
  return {
    namespace: extension.metadata.namespace ?? '',
    state: operationStateOf(extension),
    bootstrapped: state.bootstrapped || conditionStatus(extension, 'FluxBootstrapped') === 'True',
    syncMode: syncModeOf(extension),
    installedVersion: provider.version ?? state.fluxVersion ?? '',
    desiredVersion: desiredVersionOf(extension),
    revision: provider.source?.revision ?? '',
    fluxSynced: conditionStatus(extension, fluxSyncedCondition),
    systemComponentsHealthy: conditionStatus(extension, systemComponentsHealthyCondition),
    lastCheckTime: provider.lastCheckTime ?? '',
    lastErrorCodes: extension.status?.lastError?.codes ?? [],
  };
}

/** Whether a row needs attention: an error, not bootstrapped, or a health condition not True. */
export function isFailingRow(row: StatusRow): boolean {
  return (
    row.state !== 'Succeeded' ||
    !row.bootstrapped ||
    row.lastErrorCodes.length > 0 ||
    (row.fluxSynced !== '' && row.fluxSynced !== 'True') ||
    (row.systemComponentsHealthy !== '' && row.systemComponentsHealthy !== 'True')
  );
}

/** kubectl's age format: `45s`, `12m`, `3h`, `5d`; `<none>` without a time. */
export function formatAge(time: string, now: Date): string {
  const at = Date.parse(time);
  if (Number.isNaN(at)) return '<none>';
  const seconds = Math.max(0, Math.floor((now.getTime() - at) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const none = (text: string) => (text === '' ? '<none>' : text);

/** The table `status` prints: columns padded like kubectl's; `wide` adds versions, revision and sync mode. */
export function formatStatusTable(rows: readonly StatusRow[], wide: boolean, now: Date): string {
  const header = wide
    ? [
        'NAMESPACE',
        'STATE',
        'BOOTSTRAPPED',
        'SYNCMODE',
        'VERSION',
        'REVISION',
        'SYNCED',
        'SYSTEM',
        'CHECKED',
        'ERROR',
      ]
    : ['NAMESPACE', 'STATE', 'BOOTSTRAPPED', 'SYNCED', 'SYSTEM', 'CHECKED', 'ERROR'];
  const lines = rows.map((row) => {
    const error = row.lastErrorCodes.length > 0 ? row.lastErrorCodes.join(',') : '<none>';
    const common = [none(row.namespace), none(row.state), String(row.bootstrapped)];
    const health = [
      none(row.fluxSynced),
      none(row.systemComponentsHealthy),
      formatAge(row.lastCheckTime, now),
      error,
    ];
    if (!wide) return [...common, ...health];
    const version = `${none(row.installedVersion)}/${row.desiredVersion}`;
    return [...common, row.syncMode, version, none(row.revision), ...health];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `status`: one row per shoot-flux Extension in the seed, read-only (get/list on Extensions only). */
export function buildStatusCommand(context: CliContext): Command {
  const command = new Command('status')
    .description('show every shoot-flux Extension of a seed: bootstrap, Flux versions, sync and health')
    .option('--kubeconfig <path>', 'seed kubeconfig (default: $KUBECONFIG, else in-cluster)')
    .option('-n, --namespace <namespace>', 'only the Extension of this shoot namespace')
    .addOption(buildOutputOption(['table', 'wide', 'json', 'yaml'], 'table'))
    .option('--failing', 'only rows that need attention (error, not bootstrapped, not synced or unhealthy)')
    .option('--extension-type <type>', 'the Extension type to list', extensionType)
    .action(
      async (options: {
        kubeconfig?: string;
        namespace?: string;
        output: 'table' | 'wide' | 'json' | 'yaml';
        failing?: boolean;
        extensionType: string;
      }) => {
        const { kubeConfig } = loadKubeConfig({
          kubeconfigFlag: options.kubeconfig,
          kubeconfigEnv: process.env.KUBECONFIG,
          inClusterEnv: Boolean(process.env.KUBERNETES_SERVICE_HOST),
          serviceHost: process.env.KUBERNETES_SERVICE_HOST,
          servicePort: process.env.KUBERNETES_SERVICE_PORT,
        });
        const client = new ExtensionClient(kubeConfig);
        const list = options.namespace
          ? await client.listNamespacedExtensions(options.namespace)
          : await client.listExtensions();
        let rows = list.items
          .filter((e) => e.spec.type === options.extensionType)
          .map(buildStatusRow)
          .sort((a, b) => a.namespace.localeCompare(b.namespace));
        if (options.failing) rows = rows.filter(isFailingRow);
        const now = new Date();
        let text: string;
        if (options.output === 'json' || options.output === 'yaml') text = renderData(rows, options.output);
        else if (rows.length === 0) text = 'No shoot-flux Extensions found.\n';
        else text = formatStatusTable(rows, options.output === 'wide', now);
        context.io.stdout.write(text);
        // Read-only and informational: exit 0 even when rows fail (use -o json and --failing to script).
        context.exitCode = 0;
      },
    );
  return addHelpSections(
    command,
    [
      ['Every shoot of the seed', 'gardener-extension-shoot-flux status --kubeconfig seed.kubeconfig'],
      [
        'Only shoots that need attention, with versions',
        'gardener-extension-shoot-flux status --failing -o wide',
      ],
      ['One shoot as JSON', 'gardener-extension-shoot-flux status -n shoot--dev--a -o json'],
    ],
    [
      [0, 'listed'],
      [2, 'usage error, or the seed could not be read'],
    ],
  );
}
