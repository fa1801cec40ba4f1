import type { TemplateSchemas } from '../../api/template-schema.js';
import type { FluxVersionOrigin } from '../../api/evaluate.js';
import type { FluxConfig, NamedResourceReference } from '../../api/types.js';
import { errorMessage } from '../../gardener/status.js';
import type { Cluster, Extension } from '../../gardener/types.js';
import type { ActuatorContext } from '../actuator.js';
import { isTerminal, RequeueAfterError } from '../errors.js';
import type { ShootFluxActuatorOptions } from './actuator.js';
import type { ShootFluxHealthMonitor } from './health-monitor.js';
import type { ClusterAccess } from './secret-sync.js';
import type { ShootWaker } from './shoot-waker.js';
import type { DelayedEnqueue } from './delayed-enqueue.js';
import type { UpgradeSlots } from './upgrade-slots.js';

/** What one reconcile of one shoot works with, resolved once at its start. */
export interface ShootReconcile {
  readonly context: ActuatorContext;
  readonly config: FluxConfig;
  readonly cluster: Cluster;
  readonly shoot: ClusterAccess;
  readonly shootResources: NamedResourceReference[];
  /** The CRD schemas of the Flux bundle being installed (when bootstrapping): templates are pruned to them. */
  readonly templateSchemas?: TemplateSchemas;
  /** Where `flux.version` came from (only a changed default waits for the maintenance window). */
  readonly versionOrigin: FluxVersionOrigin;
}

/** What the actuator's steps share for its whole life: its options, the seed, the waker, the clock. */
export interface ShootFluxRuntime {
  readonly options: ShootFluxActuatorOptions;
  readonly seed: ClusterAccess;
  readonly waker: ShootWaker;
  readonly now: () => Date;
  readonly health: ShootFluxHealthMonitor | undefined;
  /** Flux upgrades running at once (`syncMode: Full`). */
  readonly upgradeSlots: UpgradeSlots;
  /** Wake-ups at a maintenance window's start. */
  readonly delayed: DelayedEnqueue;
}

/** The fallback requeue while waiting for Flux, unless the options say otherwise. */
export const defaultRequeueAfterMs = 30_000;

/** The queue key of an Extension: `namespace/name`. */
export function keyOf(extension: Extension): string {
  return `${extension.metadata.namespace ?? ''}/${extension.metadata.name}`;
}

/**
 * Runs one step of a reconcile, so its failure says which step failed (`installing Flux: …`),
 * with the original error as cause. Progress and terminal errors say so themselves.
 */
export async function inStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof RequeueAfterError || isTerminal(err)) throw err;
    throw new Error(`${step}: ${errorMessage(err)}`, { cause: err });
  }
}
