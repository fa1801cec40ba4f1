import fastJsonPatch from 'fast-json-patch';
import { resolveFluxComponents } from '../../api/components.js';
import type { FluxConfig } from '../../api/types.js';
import { buildFluxStatus, withoutCheckTime, type FluxStatus } from '../../flux/flux-status.js';
import { evaluateFluxSync, evaluateSystemComponentsHealth } from '../../flux/health.js';
import { mergeConditions } from '../../gardener/condition.js';
import {
  conditionStatuses,
  healthCheckReasons,
  shootHibernatedMessage,
  systemComponentsHealthyCondition,
} from '../../gardener/constants.js';
import { buildHealthCondition, type HealthCheckResult } from '../../gardener/health-condition.js';
import { formatTime } from '../../gardener/status.js';
import type { Condition, Extension, ExtensionStatus } from '../../gardener/types.js';
import type { ShootHealthObservation } from './health-check.js';
import { fluxSyncedCondition, readBootstrapState } from './state.js';

/** The health of one shoot as the metrics show it. */
export interface ShootHealthSummary {
  systemComponentsHealthy: boolean;
  synced: boolean;
  /** The FluxSynced condition's reason. */
  syncedReason: string;
  /** Installed Flux version (the bootstrap state's, else the config's). */
  version: string;
}

/** How the health status is built. */
export interface HealthStatusOptions {
  now: Date;
  /** How long a rollout may stay Progressing before it counts as False (Gardener's threshold rule). */
  progressingThresholdMs: number;
  /** Rewrite `providerStatus.lastCheckTime` at least this often even when nothing else changed. */
  heartbeatMs: number;
}

/** The outcome: the status patch to write (undefined when nothing is due) and the summary. */
export interface HealthStatusUpdate {
  patch: Pick<ExtensionStatus, 'conditions' | 'providerStatus'> | undefined;
  /** Why the patch is due: `conditions`, `providerStatus` (its check time aside), `heartbeat`; empty without one. */
  due: ('conditions' | 'providerStatus' | 'heartbeat')[];
  summary: ShootHealthSummary;
}

/** The health check results of one observation (or of a hibernated shoot). */
export function buildHealthCheckResults(
  config: FluxConfig,
  observation: ShootHealthObservation | 'hibernated',
): HealthCheckResult[] {
  if (observation === 'hibernated') {
    // Gardener's health checks report every health condition True while hibernated, without
    // looking at the shoot: it has no nodes, so nothing there can be healthy or not.
    return [systemComponentsHealthyCondition, fluxSyncedCondition].map((type) => ({
      type,
      outcome: 'healthy' as const,
      message: shootHibernatedMessage,
    }));
  }
  const namespace = config.flux.namespace;
  if (!observation.namespaceExists) {
    const message = `The Flux namespace ${namespace} does not exist in the shoot (Flux uninstalled?).`;
    return [
      {
        type: systemComponentsHealthyCondition,
        outcome: 'unhealthy',
        reason: 'FluxNamespaceMissing',
        message,
      },
      { type: fluxSyncedCondition, outcome: 'unknown', reason: 'FluxNamespaceMissing', message },
    ];
  }
  const components = resolveFluxComponents(config.flux.components, config.flux.componentsExtra);
  const system = evaluateSystemComponentsHealth(namespace, components, observation.deployments);
  const sync = evaluateFluxSync(
    [observation.source, observation.kustomization].filter((o) => o !== undefined),
  );
  return [
    {
      type: systemComponentsHealthyCondition,
      outcome: system.state === 'healthy' ? 'healthy' : system.state,
      message:
        system.state === 'healthy'
          ? `All Flux controllers are available: ${components.join(', ')}.`
          : system.problems.join('; '),
    },
    {
      type: fluxSyncedCondition,
      outcome: sync.state === 'synced' ? 'healthy' : sync.state === 'failing' ? 'unhealthy' : 'unknown',
      reason: sync.reason,
      message: sync.message,
    },
  ];
}

function isDue(previous: unknown, now: Date, heartbeatMs: number): boolean {
  const last = (previous as { lastCheckTime?: unknown } | undefined)?.lastCheckTime;
  const time = typeof last === 'string' ? Date.parse(last) : NaN;
  return Number.isNaN(time) || now.getTime() - time >= heartbeatMs;
}

/**
 * The health part of an Extension's status after one check: the `SystemComponentsHealthy` and
 * `FluxSynced` conditions (built as Gardener's health-check library builds them) and the
 * `FluxStatus` providerStatus. The patch is undefined when neither the conditions nor the
 * providerStatus (its check time aside) changed and the heartbeat is not due, so a steady shoot
 * costs no write. A hibernated shoot keeps the last providerStatus.
 */
export function buildHealthStatusUpdate(
  extension: Extension,
  config: FluxConfig,
  observation: ShootHealthObservation | 'hibernated',
  options: HealthStatusOptions,
): HealthStatusUpdate {
  const { now } = options;
  const current = extension.status;
  let conditions: Condition[] = [...(current?.conditions ?? [])];
  let conditionsChanged = false;
  const built: Condition[] = [];
  for (const result of buildHealthCheckResults(config, observation)) {
    const { condition, changed } = buildHealthCondition(
      conditions,
      result,
      now,
      options.progressingThresholdMs,
    );
    conditions = mergeConditions(conditions, condition);
    conditionsChanged ||= changed;
    built.push(condition);
  }
  const state = readBootstrapState(extension);
  const version = state.fluxVersion ?? config.flux.version;
  const [system, synced] = built;
  const summary: ShootHealthSummary = {
    systemComponentsHealthy: system?.status === conditionStatuses.true,
    synced: synced?.status === conditionStatuses.true,
    syncedReason: synced?.reason ?? healthCheckReasons.checkError,
    version,
  };
  let providerStatus: FluxStatus | undefined;
  if (observation !== 'hibernated') {
    const components = resolveFluxComponents(config.flux.components, config.flux.componentsExtra);
    const system = evaluateSystemComponentsHealth(config.flux.namespace, components, observation.deployments);
    providerStatus = buildFluxStatus({
      version,
      registry: config.flux.registry,
      controllers: system.components.map((c) => ({ name: c.name, available: c.state === 'available' })),
      deployments: observation.deployments,
      source: observation.source,
      kustomization: observation.kustomization,
      lastCheckTime: formatTime(now),
    });
  }
  const statusChanged =
    providerStatus !== undefined &&
    // The API server stores providerStatus with sorted keys: compare structurally, not as text.
    fastJsonPatch.compare(
      withoutCheckTime(current?.providerStatus) ?? {},
      withoutCheckTime(providerStatus) as object,
    ).length > 0;
  const heartbeat = providerStatus !== undefined && isDue(current?.providerStatus, now, options.heartbeatMs);
  const due = [
    ...(conditionsChanged ? (['conditions'] as const) : []),
    ...(statusChanged ? (['providerStatus'] as const) : []),
    ...(heartbeat ? (['heartbeat'] as const) : []),
  ];
  if (due.length === 0) return { patch: undefined, due, summary };
  return {
    patch: { conditions, ...(providerStatus ? { providerStatus } : {}) },
    due,
    summary,
  };
}
