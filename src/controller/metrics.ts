import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReconcileResult } from './queue.js';

/** The controller's Prometheus metrics, in one registry (no global state). */
export interface ControllerMetrics {
  registry: Registry;
  /** Reconciles by result (`success`, `requeue_after`, `error`, `terminal_error`). */
  reconciles: Counter<'controller' | 'result'>;
  /** Reconcile duration in seconds. */
  reconcileDuration: Histogram<'controller'>;
  /** Duration of a Flux bootstrap in seconds, observed by the shoot-flux actuator. */
  bootstrapDuration: Histogram<'result'>;
  /** Keys waiting in the work queue. */
  queueDepth: Gauge<'controller'>;
  /** Kubernetes API requests by verb and HTTP code (`error` when no response came). */
  kubeRequests: Counter<'verb' | 'code'>;
  /** 1 when the Flux controllers in the shoot are available (SystemComponentsHealthy=True), else 0. */
  systemComponentsHealthy: Gauge<'namespace'>;
  /** 1 when the shoot's source and Kustomization are Ready (FluxSynced=True), else 0; `reason` is the condition's. */
  synced: Gauge<'namespace' | 'reason'>;
  /** Always 1: the shoot's installed Flux version and sync mode, for joins and tables. */
  info: Gauge<'namespace' | 'version' | 'sync_mode'>;
  /** Health checks by result (`success`, `error`, `hibernated`). */
  healthChecks: Counter<'result'>;
}

/** Creates the metrics; `queueDepth` reads the queue length at scrape time. */
export function createControllerMetrics(
  options: { queueLength?: () => number; defaultMetrics?: boolean } = {},
): ControllerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const queueLength = options.queueLength;
  return {
    registry,
    reconciles: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller and result',
      labelNames: ['controller', 'result'],
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 180],
      registers: [registry],
    }),
    bootstrapDuration: new Histogram({
      name: 'shoot_flux_bootstrap_duration_seconds',
      help: 'Duration of a Flux bootstrap into a shoot, by result',
      labelNames: ['result'],
      buckets: [1, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue',
      labelNames: ['controller'],
      registers: [registry],
      collect() {
        if (queueLength) this.set({ controller: 'extension' }, queueLength());
      },
    }),
    kubeRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Number of Kubernetes API requests, by verb and HTTP code',
      labelNames: ['verb', 'code'],
      registers: [registry],
    }),
    systemComponentsHealthy: new Gauge({
      name: 'shoot_flux_system_components_healthy',
      help: 'Whether the Flux controllers installed in the shoot are available (1) or not (0)',
      labelNames: ['namespace'],
      registers: [registry],
    }),
    synced: new Gauge({
      name: 'shoot_flux_synced',
      help: "Whether the shoot's bootstrapped Flux source and Kustomization are ready (1) or not (0), by reason",
      labelNames: ['namespace', 'reason'],
      registers: [registry],
    }),
    info: new Gauge({
      name: 'shoot_flux_info',
      help: 'Flux version installed in the shoot and its sync mode (always 1)',
      labelNames: ['namespace', 'version', 'sync_mode'],
      registers: [registry],
    }),
    healthChecks: new Counter({
      name: 'shoot_flux_health_checks_total',
      help: 'Health checks of shoots, by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}

/** Records one finished reconcile. */
export function observeReconcile(metrics: ControllerMetrics, result: ReconcileResult, seconds: number): void {
  metrics.reconciles.inc({ controller: 'extension', result });
  metrics.reconcileDuration.observe({ controller: 'extension' }, seconds);
}

/** The per-shoot health series of one shoot (its seed namespace), as last recorded. */
interface ShootSeries {
  reason: string;
  version: string;
  syncMode: string;
}

/**
 * The per-shoot health gauges: `shoot_flux_system_components_healthy`, `shoot_flux_synced` (one
 * series per shoot, labelled with the FluxSynced reason) and `shoot_flux_info`. Remembers each
 * shoot's labels, so a changed reason or version replaces its series and a removed Extension
 * takes its series away.
 */
export class ShootHealthMetrics {
  private readonly series = new Map<string, ShootSeries>();

  constructor(private readonly metrics: ControllerMetrics) {}

  /** Records the health of the shoot in seed namespace `namespace`. */
  record(
    namespace: string,
    health: { systemComponentsHealthy: boolean; synced: boolean; syncedReason: string; version: string },
    syncMode: string,
  ): void {
    const previous = this.series.get(namespace);
    if (previous && (previous.reason !== health.syncedReason || previous.version !== health.version)) {
      this.forget(namespace);
    }
    this.metrics.systemComponentsHealthy.set({ namespace }, health.systemComponentsHealthy ? 1 : 0);
    this.metrics.synced.set({ namespace, reason: health.syncedReason }, health.synced ? 1 : 0);
    this.metrics.info.set({ namespace, version: health.version, sync_mode: syncMode }, 1);
    this.series.set(namespace, { reason: health.syncedReason, version: health.version, syncMode });
  }

  /** Removes the series of a shoot (its Extension is gone or no longer checked). */
  forget(namespace: string): void {
    const previous = this.series.get(namespace);
    if (!previous) return;
    this.metrics.systemComponentsHealthy.remove({ namespace });
    this.metrics.synced.remove({ namespace, reason: previous.reason });
    this.metrics.info.remove({ namespace, version: previous.version, sync_mode: previous.syncMode });
    this.series.delete(namespace);
  }

  /** Seed namespaces with series. */
  namespaces(): string[] {
    return [...this.series.keys()];
  }
}
