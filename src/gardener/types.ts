import type { ConditionStatus, ErrorCode, OperationState, OperationType } from './constants.js';

/** Object metadata fields the controller reads. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  finalizers?: string[];
}

/** `status.lastOperation` of a Gardener extension object. */
export interface LastOperation {
  type: OperationType;
  state: OperationState;
  progress: number;
  description: string;
  lastUpdateTime: string;
}

/** `status.lastError` of a Gardener extension object. */
export interface LastError {
  description: string;
  taskID?: string;
  codes?: ErrorCode[];
  lastUpdateTime?: string;
}

/** A Gardener condition (`gardencorev1beta1.Condition`). */
export interface Condition {
  type: string;
  status: ConditionStatus;
  lastTransitionTime: string;
  lastUpdateTime: string;
  reason: string;
  message: string;
  codes?: ErrorCode[];
}

/** `status` of an Extension (fields gardenlet and we read or write). */
export interface ExtensionStatus {
  lastOperation?: LastOperation;
  lastError?: LastError | null;
  observedGeneration?: number;
  conditions?: Condition[];
  state?: unknown;
  providerStatus?: unknown;
  resources?: unknown[];
}

/** An `extensions.gardener.cloud/v1alpha1` Extension as the API server returns it. */
export interface Extension {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: {
    type: string;
    class?: string;
    /** Raw; decoded by the actuator (src/api). */
    providerConfig?: unknown;
  };
  status?: ExtensionStatus;
}

/** A cluster-scoped `Cluster` as the API server returns it: shoot, seed and cloud profile are raw. */
export interface ClusterObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    shoot?: unknown;
    seed?: unknown;
    cloudProfile?: unknown;
  };
}

/** The Shoot fields the controller reads; the rest of the raw object is kept as it is. */
export interface Shoot {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: {
    hibernation?: { enabled?: boolean };
    resources?: unknown[];
    [key: string]: unknown;
  };
  status?: {
    isHibernated?: boolean;
    clusterIdentity?: string;
    technicalID?: string;
    lastOperation?: { type?: string; state?: string };
    [key: string]: unknown;
  };
}

/** A decoded Cluster: the shoot is typed (and required), seed and cloud profile stay raw. */
export interface Cluster {
  name: string;
  shoot: Shoot;
  seed?: Record<string, unknown>;
  cloudProfile?: Record<string, unknown>;
  /** The Cluster object as read, for actuators that need more. */
  object: ClusterObject;
}
