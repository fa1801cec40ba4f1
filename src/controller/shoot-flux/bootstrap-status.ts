import { formatFieldWarnings, type FieldWarning } from '../../api/field-errors.js';
import type { FluxConfig } from '../../api/types.js';
import { buildCondition, findCondition, mergeConditions } from '../../gardener/condition.js';
import { textLimits } from '../../log/truncate.js';
import type { ActuatorContext } from '../actuator.js';
import {
  buildStatePatch,
  configWarningsCondition,
  fluxBootstrappedCondition,
  type FluxBootstrapState,
  readBootstrapState,
} from './state.js';

/** The FluxBootstrapped reason of a bootstrapped shoot with nothing to report. */
export const bootstrappedReason = 'BootstrapSuccessful';
/** The FluxBootstrapped message of a bootstrapped shoot with nothing to report. */
export const bootstrappedMessage = 'Flux has been successfully bootstrapped on the Shoot cluster.';

/** Writes the FluxBootstrapped condition and the state in one status patch (no-op when unchanged). */
export async function writeBootstrapped(
  context: ActuatorContext,
  reason: string,
  message: string,
  state: FluxBootstrapState,
  now: Date,
): Promise<void> {
  const current = context.status.current.status;
  const { condition } = buildCondition(
    findCondition(current?.conditions, fluxBootstrappedCondition),
    { type: fluxBootstrappedCondition, status: 'True', reason, message },
    now,
  );
  await context.status.patch({
    conditions: mergeConditions(current?.conditions, condition),
    state: buildStatePatch({ ...state, bootstrapped: true }, readBootstrapState(context.status.current)),
  });
}

/**
 * The providerConfig's warnings (an enforced registry replaced, deprecated or unknown fields) as
 * the `ConfigWarnings` condition, so status says what changed, not only an Event. Written only
 * when there are warnings or the condition exists (then turned False): no noise otherwise.
 */
export async function recordConfigWarnings(
  context: ActuatorContext,
  config: FluxConfig,
  warnings: readonly FieldWarning[],
  now: Date,
): Promise<void> {
  const current = context.status.current.status?.conditions;
  const previous = findCondition(current, configWarningsCondition);
  if (warnings.length === 0 && previous === undefined) return;
  const { condition, changed } = buildCondition(
    previous,
    warnings.length > 0
      ? {
          type: configWarningsCondition,
          status: 'True',
          reason: 'ProviderConfigWarnings',
          message: formatFieldWarnings(warnings, textLimits.eventMessage),
        }
      : {
          type: configWarningsCondition,
          status: 'False',
          reason: 'NoWarnings',
          message: `FluxConfig for Flux ${config.flux.version} has no warnings`,
        },
    now,
  );
  if (changed) await context.status.patch({ conditions: mergeConditions(current, condition) });
}
