import {
  ApiException,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';

/** The Flux objects the extension creates and a test plays Flux for. */
export type FluxPlural = 'gitrepositories' | 'ocirepositories' | 'kustomizations';

/** A condition as source- and kustomize-controller write it (the times are filled in). */
export interface FluxCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

/** `Ready=True` as source- and kustomize-controller write it. */
export const fluxReadyConditions: readonly FluxCondition[] = [
  { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored artifact' },
];

/** How {@link FluxPlayer.setStatus} writes. */
export interface FluxStatusOptions {
  /** Write `observedGeneration` (top level and on each condition) for the current generation; default true. */
  observe?: boolean;
  /** More status fields (e.g. `lastAppliedRevision`). */
  extra?: Record<string, unknown>;
}

function groupOf(plural: FluxPlural): string {
  return plural === 'kustomizations' ? 'kustomize.toolkit.fluxcd.io' : 'source.toolkit.fluxcd.io';
}

/** A Kubernetes timestamp (seconds precision), as the controllers write them. */
function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A running Flux stand-in; see {@link FluxPlayer.startReadyLoop}. */
export interface FluxStandIn {
  /** Errors met while marking (the loop carries on). */
  errors(): readonly Error[];
  /** Stops the loop. Idempotent. */
  stop(): void;
}

/**
 * Plays Flux's source- and kustomize-controller in a shoot: writes the status they would write
 * onto the extension's sources and Kustomizations, and reads those objects back. The one Flux
 * player of the integration tests, the e2e tests and the benches (where real Flux would cost more
 * than the figure measures); it imports no test framework.
 */
export class FluxPlayer {
  readonly custom: CustomObjectsApi;

  constructor(readonly shoot: KubeConfig) {
    this.custom = shoot.makeApiClient(CustomObjectsApi);
  }

  /** A Flux (or any `v1`) object of the shoot, undefined while absent. */
  /**
   * Server-side applies `object` as kustomize-controller does when Flux manages itself from its
   * repository (`flux bootstrap`'s pattern): field manager `kustomize-controller`, conflicts forced.
   */
  async applyAsKustomizeController(object: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [field: string]: unknown };
    [field: string]: unknown;
  }): Promise<void> {
    await KubernetesObjectApi.makeApiClient(this.shoot).patch(
      object,
      undefined,
      undefined,
      'kustomize-controller',
      true,
      PatchStrategy.ServerSideApply,
    );
  }

  async readObject(group: string, plural: string, namespace: string, name: string): Promise<unknown> {
    return this.custom
      .getNamespacedCustomObject({ group, version: 'v1', namespace, plural, name })
      .catch((err: unknown) => {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      });
  }

  /** The generation of a Flux object, undefined while it does not exist. */
  async generationOf(plural: FluxPlural, namespace: string, name: string): Promise<number | undefined> {
    const object = (await this.readObject(groupOf(plural), plural, namespace, name)) as
      { metadata?: { generation?: number } } | undefined;
    return object?.metadata?.generation;
  }

  /**
   * Writes conditions onto a source or Kustomization for its current generation, as its
   * controller does after a reconciliation (Ready or anything else).
   */
  async setStatus(
    plural: FluxPlural,
    name: string,
    namespace: string,
    conditions: readonly FluxCondition[],
    options: FluxStatusOptions = {},
  ): Promise<void> {
    const group = groupOf(plural);
    const observe = options.observe ?? true;
    const object = (await this.custom.getNamespacedCustomObject({
      group,
      version: 'v1',
      namespace,
      plural,
      name,
    })) as { metadata: { generation: number } };
    const time = now();
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        group,
        version: 'v1',
        namespace,
        plural,
        name,
        body: {
          status: {
            ...(observe ? { observedGeneration: object.metadata.generation } : {}),
            ...options.extra,
            conditions: conditions.map((c) => ({
              ...c,
              lastTransitionTime: time,
              observedGeneration: observe ? object.metadata.generation : 0,
            })),
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /**
   * Plays Flux continuously: every GitRepository and Kustomization of the shoot (all
   * namespaces) whose generation is not yet observed is marked Ready, every 200 ms, until stop().
   */
  startReadyLoop(): FluxStandIn {
    const errors: Error[] = [];
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const plurals: FluxPlural[] = ['gitrepositories', 'kustomizations'];
    const markAll = async () => {
      for (const plural of plurals) {
        const list = (await this.custom.listClusterCustomObject({
          group: groupOf(plural),
          version: 'v1',
          plural,
        })) as {
          items: {
            metadata: { name: string; namespace: string; generation: number };
            status?: { observedGeneration?: number };
          }[];
        };
        for (const item of list.items) {
          if (stopped) return;
          if (item.status?.observedGeneration === item.metadata.generation) continue;
          await this.setStatus(
            plural,
            item.metadata.name,
            item.metadata.namespace,
            fluxReadyConditions,
          ).catch((err: unknown) => {
            // Deleted or changed meanwhile: the next round sees the current state.
            if (err instanceof ApiException && (err.code === 404 || err.code === 409)) return;
            throw err;
          });
        }
      }
    };
    const round = () => {
      markAll()
        .catch((err: unknown) => errors.push(err as Error))
        .finally(() => {
          if (!stopped) timer = setTimeout(round, 200);
        });
    };
    round();
    return {
      errors: () => errors,
      stop: () => {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }
}
