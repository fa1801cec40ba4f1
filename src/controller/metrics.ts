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
  };
}

/** Records one finished reconcile. */
export function observeReconcile(metrics: ControllerMetrics, result: ReconcileResult, seconds: number): void {
  metrics.reconciles.inc({ controller: 'extension', result });
  metrics.reconcileDuration.observe({ controller: 'extension' }, seconds);
}
