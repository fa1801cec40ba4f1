import fastJsonPatch from 'fast-json-patch';
import {
  defaultExtensionClass,
  operationAnnotation,
  operationAnnotationValues,
  operationStates,
  operationTypes,
  type OperationType,
} from './constants.js';
import type { Extension, LastOperation, ObjectMeta } from './types.js';

/**
 * Gardener's `ComputeOperationType`: the first match of migrate annotation, deletion, restore
 * annotation, no last operation (Create), or an unfinished Create/Migrate/Restore; else Reconcile.
 */
export function computeOperationType(
  meta: ObjectMeta,
  lastOperation: LastOperation | undefined,
): OperationType {
  const annotation = meta.annotations?.[operationAnnotation];
  if (annotation === operationAnnotationValues.migrate) return operationTypes.migrate;
  if (meta.deletionTimestamp) return operationTypes.delete;
  if (annotation === operationAnnotationValues.restore) return operationTypes.restore;
  if (!lastOperation) return operationTypes.create;
  const unfinished = lastOperation.state !== operationStates.succeeded;
  if (unfinished) {
    if (lastOperation.type === operationTypes.create) return operationTypes.create;
    if (lastOperation.type === operationTypes.migrate) return operationTypes.migrate;
    if (lastOperation.type === operationTypes.restore) return operationTypes.restore;
  }
  return operationTypes.reconcile;
}

/**
 * Gardener's `ShouldSkipOperation`: after a successful Migrate nothing but another Migrate or a
 * Restore may run (the shoot's control plane now lives in another seed).
 */
export function shouldSkipOperation(
  operationType: OperationType,
  lastOperation: LastOperation | undefined,
): boolean {
  return (
    operationType !== operationTypes.migrate &&
    operationType !== operationTypes.restore &&
    lastOperation?.type === operationTypes.migrate &&
    lastOperation.state === operationStates.succeeded
  );
}

/** Whether the operation annotation asks for work (`reconcile`, `restore` or `migrate`). */
export function hasOperationAnnotation(meta: ObjectMeta): boolean {
  const value = meta.annotations?.[operationAnnotation];
  return (
    value === operationAnnotationValues.reconcile ||
    value === operationAnnotationValues.restore ||
    value === operationAnnotationValues.migrate
  );
}

/** Predicate `HasType`: the Extension is of the controller's type. */
export function hasType(extension: Extension, type: string): boolean {
  return extension.spec.type === type;
}

/** Predicate `HasClass`: no classes means `shoot`; an Extension without class counts as `shoot`. */
export function hasClass(extension: Extension, classes: readonly string[]): boolean {
  const wanted = classes.length === 0 ? [defaultExtensionClass] : classes;
  return wanted.includes(extension.spec.class ?? defaultExtensionClass);
}

/**
 * Default predicate on create (also every object of a (re)list): reconcile when an operation is
 * requested, the object is being deleted, or its last operation did not succeed (retry after a restart).
 */
export function evaluateCreatePredicate(extension: Extension): boolean {
  if (hasOperationAnnotation(extension.metadata)) return true;
  if (extension.metadata.deletionTimestamp) return true;
  return extension.status?.lastOperation?.state !== operationStates.succeeded;
}

/**
 * Default predicate on update: reconcile when an operation is requested, or when the object is
 * being deleted and the update did not just change its status (our own status writes).
 */
export function evaluateUpdatePredicate(oldExtension: Extension, newExtension: Extension): boolean {
  if (hasOperationAnnotation(newExtension.metadata)) return true;
  if (!newExtension.metadata.deletionTimestamp) return false;
  return fastJsonPatch.compare(oldExtension.status ?? {}, newExtension.status ?? {}).length === 0;
}

/** `GenerationChangedPredicate` on update (used with `--ignore-operation-annotation`). */
export function evaluateGenerationChanged(
  oldObject: { metadata: ObjectMeta },
  newObject: { metadata: ObjectMeta },
): boolean {
  return oldObject.metadata.generation !== newObject.metadata.generation;
}
