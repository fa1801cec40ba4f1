/** API group and version of Gardener's extension resources (Extension, Cluster). */
export const extensionsGroup = 'extensions.gardener.cloud';
export const extensionsVersion = 'v1alpha1';
export const extensionsApiVersion = `${extensionsGroup}/${extensionsVersion}`;
/** Resource (plural) names of the two kinds we read. */
export const extensionsPlural = 'extensions';
export const clustersPlural = 'clusters';

/** API group, version and kind of the garden's Shoot (served by gardener-apiserver). */
export const coreGroup = 'core.gardener.cloud';
export const shootApiVersion = `${coreGroup}/v1beta1`;
export const shootKind = 'Shoot';

/** Annotation gardenlet sets to request an operation on an extension object. */
export const operationAnnotation = 'gardener.cloud/operation';
/** Values of the operation annotation. */
export const operationAnnotationValues = {
  reconcile: 'reconcile',
  waitForState: 'wait-for-state',
  migrate: 'migrate',
  restore: 'restore',
} as const;
export type OperationAnnotationValue =
  (typeof operationAnnotationValues)[keyof typeof operationAnnotationValues];

/** Annotation gardenlet sets with the operation annotation; gardenlet compares it to lastUpdateTime. */
export const timestampAnnotation = 'gardener.cloud/timestamp';

/** Annotation on a Shoot that requests a force deletion (Gardener's `confirmation.gardener.cloud/force-deletion`). */
export const forceDeletionAnnotation = 'confirmation.gardener.cloud/force-deletion';

/** Label that marks a seed namespace as a shoot control-plane namespace. */
export const shootNamespaceRoleLabel = 'gardener.cloud/role';
export const shootNamespaceRoleValue = 'shoot';

/** The finalizer this controller puts on its Extensions (`extensions.gardener.cloud/<type>`). */
export const extensionFinalizer = 'extensions.gardener.cloud/shoot-flux';

/** Extension classes; an Extension without `spec.class` is of class `shoot`. */
export const extensionClasses = ['garden', 'seed', 'shoot'] as const;
export type ExtensionClass = (typeof extensionClasses)[number];
export const defaultExtensionClass: ExtensionClass = 'shoot';

/** `lastOperation.type` values. */
export const operationTypes = {
  create: 'Create',
  reconcile: 'Reconcile',
  delete: 'Delete',
  migrate: 'Migrate',
  restore: 'Restore',
} as const;
export type OperationType = (typeof operationTypes)[keyof typeof operationTypes];

/** `lastOperation.state` values. */
export const operationStates = {
  processing: 'Processing',
  succeeded: 'Succeeded',
  error: 'Error',
  failed: 'Failed',
  pending: 'Pending',
  aborted: 'Aborted',
} as const;
export type OperationState = (typeof operationStates)[keyof typeof operationStates];

/** Gardener's error codes for `lastError.codes`. */
export const errorCodes = {
  infraUnauthenticated: 'ERR_INFRA_UNAUTHENTICATED',
  infraUnauthorized: 'ERR_INFRA_UNAUTHORIZED',
  infraQuotaExceeded: 'ERR_INFRA_QUOTA_EXCEEDED',
  infraRateLimitsExceeded: 'ERR_INFRA_RATE_LIMITS_EXCEEDED',
  infraDependencies: 'ERR_INFRA_DEPENDENCIES',
  retryableInfraDependencies: 'ERR_RETRYABLE_INFRA_DEPENDENCIES',
  infraResourcesDepleted: 'ERR_INFRA_RESOURCES_DEPLETED',
  cleanupClusterResources: 'ERR_CLEANUP_CLUSTER_RESOURCES',
  configurationProblem: 'ERR_CONFIGURATION_PROBLEM',
  retryableConfigurationProblem: 'ERR_RETRYABLE_CONFIGURATION_PROBLEM',
  problematicWebhook: 'ERR_PROBLEMATIC_WEBHOOK',
} as const;
export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];

/** Condition status values Gardener uses. */
export const conditionStatuses = {
  true: 'True',
  false: 'False',
  unknown: 'Unknown',
  progressing: 'Progressing',
} as const;
export type ConditionStatus = (typeof conditionStatuses)[keyof typeof conditionStatuses];

/** Name of the heartbeat Lease gardenlet reads to tell whether the extension is alive. */
export const heartbeatLeaseName = 'gardener-extension-heartbeat';

/** Resync period of a successfully reconciled Extension (Gardener's `Resync 60m`). */
export const extensionResyncMs = 60 * 60 * 1000;
/** Default reconcile deadline (Gardener's `DefaultReconciliationTimeout`). */
export const defaultReconcileTimeoutMs = 3 * 60 * 1000;
