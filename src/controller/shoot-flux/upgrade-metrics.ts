import { Counter, Histogram, type Registry } from 'prom-client';
import type { FluxUpgradeResult } from './flux-upgrade.js';

/**
 * Registers the Flux upgrade metrics (`syncMode: Full`) in `registry`, once, and returns the
 * observer the actuator calls when an upgrade ends: `shoot_flux_upgrades_total{result}` and
 * `shoot_flux_upgrade_duration_seconds{result}` (from the first apply to available, across
 * requeues).
 */
export function registerUpgradeMetrics(
  registry: Registry,
): (result: FluxUpgradeResult, seconds: number) => void {
  const total =
    (registry.getSingleMetric('shoot_flux_upgrades_total') as Counter<'result'> | undefined) ??
    new Counter({
      name: 'shoot_flux_upgrades_total',
      help: 'Flux upgrades of shoots in syncMode Full, by result',
      labelNames: ['result'],
      registers: [registry],
    });
  const duration =
    (registry.getSingleMetric('shoot_flux_upgrade_duration_seconds') as Histogram<'result'> | undefined) ??
    new Histogram({
      name: 'shoot_flux_upgrade_duration_seconds',
      help: 'Duration of a Flux upgrade from the first apply until the controllers are available, by result',
      labelNames: ['result'],
      buckets: [5, 10, 20, 30, 60, 120, 300, 600, 1200],
      registers: [registry],
    });
  return (result, seconds) => {
    total.inc({ result });
    duration.observe({ result }, seconds);
  };
}
