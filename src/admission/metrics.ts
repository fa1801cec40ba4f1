import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The webhook's Prometheus metrics, in one registry (no global state). */
export interface AdmissionMetrics {
  registry: Registry;
  /** HTTP requests by path and status code (controller-runtime's webhook metric names). */
  requests: Counter<'webhook' | 'code'>;
  /** Seconds from the request's arrival to the answer. */
  latency: Histogram<'webhook'>;
  /** Requests being served. */
  inFlight: Gauge<'webhook'>;
  /** Reviews by operation and result (`allowed`, `denied`, `skipped`) and whether warnings went out. */
  reviews: Counter<'operation' | 'result' | 'warnings'>;
  /** Garden secret reads by result (`found`, `not_found`, `error`). */
  secretReads: Counter<'result'>;
  /** Serving certificate reloads by result (`success`, `error`). */
  certificateReloads: Counter<'result'>;
}

/** Creates the metrics; `defaultMetrics` adds Node's process metrics (off in tests and benches). */
export function createAdmissionMetrics(options: { defaultMetrics?: boolean } = {}): AdmissionMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'controller_runtime_webhook_requests_total',
      help: 'Total number of admission requests by HTTP status code',
      labelNames: ['webhook', 'code'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'controller_runtime_webhook_latency_seconds',
      help: 'Histogram of the latency of processing admission requests',
      labelNames: ['webhook'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'controller_runtime_webhook_requests_in_flight',
      help: 'Current number of admission requests being served',
      labelNames: ['webhook'],
      registers: [registry],
    }),
    reviews: new Counter({
      name: 'shoot_flux_admission_reviews_total',
      help: 'Shoot reviews by operation, result and whether warnings were returned',
      labelNames: ['operation', 'result', 'warnings'],
      registers: [registry],
    }),
    secretReads: new Counter({
      name: 'shoot_flux_admission_secret_reads_total',
      help: 'Reads of referenced garden secrets by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    certificateReloads: new Counter({
      name: 'shoot_flux_admission_certificate_reloads_total',
      help: 'Reloads of the serving certificate by result',
      labelNames: ['result'],
      registers: [registry],
    }),
  };
}
