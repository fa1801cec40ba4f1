import { fluxConfigApiVersion } from '../api/constants.js';
import { redactUrl } from '../log/redact-url.js';
import type { FluxObjectObservation } from './health.js';
import { evaluateFluxReadiness } from './readiness.js';

/** Kind of the Extension's `status.providerStatus`. */
export const fluxStatusKind = 'FluxStatus';

/** One Flux controller in the providerStatus: its Deployment's name and container images. */
export interface FluxControllerStatus {
  name: string;
  images: string[];
  ready: boolean;
}

/** `status.providerStatus` of a shoot-flux Extension: what the last health check found in the shoot. */
export interface FluxStatus {
  apiVersion: typeof fluxConfigApiVersion;
  kind: typeof fluxStatusKind;
  /** The Flux version bootstrapped (from the bootstrap state). */
  version?: string;
  registry?: string;
  controllers: FluxControllerStatus[];
  source?: {
    kind: string;
    namespace: string;
    name: string;
    /** Without credentials. */
    url?: string;
    revision?: string;
    ready: boolean;
  };
  kustomization?: {
    namespace: string;
    name: string;
    lastAppliedRevision?: string;
    ready: boolean;
  };
  /** When the health check last looked (refreshed on change or at the heartbeat). */
  lastCheckTime: string;
}

interface DeploymentShape {
  metadata?: { name?: string };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
}

interface FluxObjectShape {
  spec?: { url?: string };
  status?: { artifact?: { revision?: string }; lastAppliedRevision?: string };
}

/** What {@link buildFluxStatus} reports on. */
export interface FluxStatusInput {
  version?: string;
  registry?: string;
  /** Installed controllers (Deployment names) with whether each is available. */
  controllers: readonly { name: string; available: boolean }[];
  /** The Deployments as listed in the Flux namespace. */
  deployments: readonly unknown[];
  source?: FluxObjectObservation;
  kustomization?: FluxObjectObservation;
  lastCheckTime: string;
}

/** Builds the providerStatus from what a health check observed; source URLs lose any credential. */
export function buildFluxStatus(input: FluxStatusInput): FluxStatus {
  const deployments = new Map(
    (input.deployments as DeploymentShape[]).map((d) => [d.metadata?.name ?? '', d] as const),
  );
  const status: FluxStatus = {
    apiVersion: fluxConfigApiVersion,
    kind: fluxStatusKind,
    ...(input.version ? { version: input.version } : {}),
    ...(input.registry ? { registry: input.registry } : {}),
    controllers: input.controllers.map(({ name, available }) => ({
      name,
      images: (deployments.get(name)?.spec?.template?.spec?.containers ?? []).flatMap((c) =>
        c.image ? [c.image] : [],
      ),
      ready: available,
    })),
    lastCheckTime: input.lastCheckTime,
  };
  if (input.source) {
    const object = input.source.object as FluxObjectShape | undefined;
    const url = object?.spec?.url;
    const revision = object?.status?.artifact?.revision;
    status.source = {
      kind: input.source.kind,
      namespace: input.source.namespace,
      name: input.source.name,
      ...(url ? { url: redactUrl(url) } : {}),
      ...(revision ? { revision } : {}),
      ready: evaluateFluxReadiness(object).state === 'ready' && object !== undefined,
    };
  }
  if (input.kustomization) {
    const object = input.kustomization.object as FluxObjectShape | undefined;
    const revision = object?.status?.lastAppliedRevision;
    status.kustomization = {
      namespace: input.kustomization.namespace,
      name: input.kustomization.name,
      ...(revision ? { lastAppliedRevision: revision } : {}),
      ready: evaluateFluxReadiness(object).state === 'ready' && object !== undefined,
    };
  }
  return status;
}

/** The providerStatus without `lastCheckTime`, to tell whether anything but the time changed. */
export function withoutCheckTime(status: unknown): unknown {
  if (typeof status !== 'object' || status === null) return status;
  return Object.fromEntries(Object.entries(status).filter(([key]) => key !== 'lastCheckTime'));
}
