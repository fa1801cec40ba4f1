import { operationStates, operationTypes, type OperationType } from './constants.js';
import type { Extension } from './types.js';

const settledOperationTypes = new Set<OperationType>([
  operationTypes.create,
  operationTypes.reconcile,
  operationTypes.restore,
]);

/**
 * Whether a reconcile of `extension` is a steady resync: nobody asked for it (no operation
 * annotation was set, the generation is the one last reconciled) and the last reconcile
 * succeeded. Such a reconcile does not write `lastOperation` Processing → Succeeded again: at a
 * thousand shoots that would be two status writes per shoot and resync for nothing gardenlet
 * reads (its readiness check looks at the state, the generation and `lastError`, not at
 * `lastUpdateTime`). Anything the actuator finds changed is still written by the actuator.
 */
export function isSteadyReconcile(
  extension: Extension,
  operationType: OperationType,
  annotationWasSet: boolean,
): boolean {
  const status = extension.status;
  const last = status?.lastOperation;
  return (
    !annotationWasSet &&
    operationType === operationTypes.reconcile &&
    // A bootstrap records Create; a restore, Restore. Either, succeeded, is the state a resync keeps.
    last !== undefined &&
    settledOperationTypes.has(last.type) &&
    last.state === operationStates.succeeded &&
    !status?.lastError &&
    extension.metadata.generation !== undefined &&
    status?.observedGeneration === extension.metadata.generation
  );
}
