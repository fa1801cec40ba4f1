import { findCondition } from '../../gardener/condition.js';
import type { ActuatorContext } from '../actuator.js';
import { configWarningsCondition, fluxBootstrappedCondition } from './state.js';

/*
 * A fleet's resync raises no Event for a state the Extension's conditions already say: an Event
 * repeated by the recorder's deduplication is still a write to the seed, on every resync of every
 * shoot. Each predicate reads the status as this reconcile found it.
 */

/** Whether the FluxBootstrapped condition is about to take `reason` for the first time. */
export function isNewBootstrappedReason(context: ActuatorContext, reason: string): boolean {
  return (
    findCondition(context.status.current.status?.conditions, fluxBootstrappedCondition)?.reason !== reason
  );
}

/** Whether the ConfigWarnings condition does not say `summary` yet. */
export function isNewConfigWarningSummary(context: ActuatorContext, summary: string): boolean {
  const previous = findCondition(context.status.current.status?.conditions, configWarningsCondition);
  return previous?.status !== 'True' || previous.message !== summary;
}
