import { Command, InvalidArgumentError, Option } from 'commander';
import { AdmissionServer, shootWebhookPath } from '../../admission/webhook-server.js';
import { createAdmissionMetrics } from '../../admission/metrics.js';
import type { SecretReader } from '../../admission/secret-references.js';
import { parseBindAddress, ProbeServer } from '../../controller/http-server.js';
import { loadKubeConfigFile } from '../../kube/kubeconfig.js';
import { KubeRawClient } from '../../kube/raw-client.js';
import { SecretExistenceReader } from '../../kube/secret-existence.js';
import type { Logger } from '../../log/logger.js';
import { addHelpSections } from '../help-text.js';
import {
  addLandscapeFlags,
  buildLandscapePolicy,
  readImageVectorRegistry,
  type LandscapeFlags,
} from '../landscape-flags.js';
import {
  healthBindAddressOption,
  logFormatOption,
  logLevelOption,
  metricsBindAddressOption,
} from '../serving-options.js';
import { createLogger, type LogFormat, type LogLevel } from '../../log/winston-logger.js';

/** Every flag of `admission`, parsed and validated. */
export interface AdmissionOptions extends LandscapeFlags {
  webhookConfigServerHost: string;
  webhookConfigServerPort: number;
  webhookConfigCertDir: string;
  kubeconfig?: string;
  metricsBindAddress: string;
  healthBindAddress: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
}

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new InvalidArgumentError(`"${value}" is not a port (0-65535)`);
  return Number(value);
}

/** `admission`: the validating webhook for Shoots in the garden, with Gardener's webhook flags. */
export function buildAdmissionCommand(): Command {
  const command = new Command('admission')
    .description(
      `Serve the validating admission webhook for Shoots (POST ${shootWebhookPath}) that rejects a bad shoot-flux providerConfig`,
    )
    .exitOverride()
    .option('--webhook-config-server-host <host>', 'address the webhook server listens on (empty: all)', '')
    .addOption(
      new Option('--webhook-config-server-port <port>', 'port of the webhook server (0: any free port)')
        .argParser(parsePort)
        .default(10250),
    )
    .option(
      '--webhook-config-cert-dir <dir>',
      'directory with the serving certificate tls.crt and key tls.key (reloaded when they change)',
      '/tmp/gardener-extension-shoot-flux-admission-cert',
    )
    .option(
      '--kubeconfig <path>',
      'garden kubeconfig for checking referenced secrets (default: $GARDEN_KUBECONFIG; none: not checked)',
    )
    .addOption(metricsBindAddressOption())
    .addOption(healthBindAddressOption())
    .addOption(logLevelOption())
    .addOption(logFormatOption());
  // The landscape flags of run, with run's definitions: the webhook judges a Shoot by the policy
  // its seed's controller will apply (default and allowed Flux versions, enforced registry).
  addLandscapeFlags(command).action(async (options: AdmissionOptions) => {
    process.exitCode = await runAdmission(options, process.env);
  });
  return addHelpSections(
    command,
    [
      [
        'Serve the webhook with the certificate in /etc/webhook/certs and check secrets in the garden',
        'gardener-extension-shoot-flux admission --webhook-config-cert-dir /etc/webhook/certs --kubeconfig garden.kubeconfig',
      ],
    ],
    [
      [0, 'stopped by SIGTERM or SIGINT after a clean shutdown'],
      [1, 'the webhook failed (e.g. the certificate cannot be read)'],
      [2, 'usage error: an unknown or invalid flag'],
    ],
  );
}

/** The garden secret reader, or undefined (said once in the log) without a garden kubeconfig. */
function gardenSecretReader(
  options: AdmissionOptions,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): SecretReader | undefined {
  const file = options.kubeconfig ?? (env.GARDEN_KUBECONFIG === '' ? undefined : env.GARDEN_KUBECONFIG);
  if (file === undefined) {
    logger.info(
      'No garden kubeconfig (--kubeconfig, $GARDEN_KUBECONFIG): referenced secrets are not checked for existence',
    );
    return undefined;
  }
  const kubeConfig = loadKubeConfigFile(file);
  logger.info('Checking referenced secrets in the garden', {
    kubeconfigSource: options.kubeconfig !== undefined ? 'flag' : 'env',
    server: kubeConfig.getCurrentCluster()?.server,
  });
  return new SecretExistenceReader(new KubeRawClient(kubeConfig));
}

/** Runs the webhook until SIGTERM/SIGINT (exit 0); a start failure exits 1. */
export async function runAdmission(options: AdmissionOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    name: 'shoot-flux-admission',
  });
  logger.info('Starting gardener-extension-shoot-flux admission', { flags: { ...options } });
  const metrics = createAdmissionMetrics();
  const servers: { close(): Promise<void> }[] = [];
  let stopRequested: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const stop = (signal: string) => {
    logger.info('Received signal, shutting down', { signal });
    stopRequested();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const webhook = new AdmissionServer({
      host: options.webhookConfigServerHost,
      port: options.webhookConfigServerPort,
      certDir: options.webhookConfigCertDir,
      logger: logger.named('webhook'),
      metrics,
      secrets: gardenSecretReader(options, env, logger),
      landscape: buildLandscapePolicy(options, readImageVectorRegistry(env)),
    });
    servers.push({ close: () => webhook.stop() });
    await webhook.start();
    const metricsAddress = parseBindAddress(options.metricsBindAddress);
    if (metricsAddress) {
      const server = new ProbeServer({ logger, metrics: metrics.registry });
      servers.push(server);
      logger.info('Serving metrics', { port: await server.listen(metricsAddress) });
    }
    const healthAddress = parseBindAddress(options.healthBindAddress);
    if (healthAddress) {
      const server = new ProbeServer({
        logger,
        healthz: { ping: () => undefined },
        readyz: { 'webhook-server': () => (webhook.isServing() ? undefined : 'not serving') },
      });
      servers.push(server);
      logger.info('Serving health probes', { port: await server.listen(healthAddress) });
    }
    await stopped;
    return 0;
  } catch (err) {
    logger.error('Admission webhook failed', { error: err instanceof Error ? err.message : String(err) });
    return 1;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    for (const server of servers.reverse()) await server.close();
  }
}
