import { randomBytes } from 'node:crypto';
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { Condition, Extension } from '../../src/gardener/types.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootObject,
  type ExtensionFacts,
  type ShootFacts,
} from './gardener-objects.js';
import { removeNamespace } from './namespace-removal.js';

const extensions = { group: 'extensions.gardener.cloud', version: 'v1alpha1' } as const;
/** gardenlet names the Extension of a shoot after its extension. */
const extensionName = 'shoot-flux';

/** Options of a {@link Gardenlet}. */
export interface GardenletOptions {
  /** The seed namespace of the shoot; default a fresh `shoot--it--<random>`. */
  namespace?: string;
  /** The type of the Extensions it creates; default `shoot-flux`. */
  extensionType?: string;
  /** The shoot's kubeconfig it writes into the `gardener` access secret (CA inlined). */
  shootAccessKubeconfig?: string;
}

/** A `lastOperation` as a recorder saw it. */
export interface SeenOperation {
  state?: string;
  description?: string;
}

/**
 * How far a reconcile asked for after a recorder started has come, from what it saw: `Succeeded`
 * once a Processing was followed by Succeeded, else the latest description since the Processing
 * (what a poll's failure shows).
 */
export function describeRequestedReconcile(seen: readonly SeenOperation[]): string {
  const processing = seen.findIndex((o) => o.state === 'Processing');
  const after = processing < 0 ? [] : seen.slice(processing);
  return after.some((o) => o.state === 'Succeeded') ? 'Succeeded' : (after.at(-1)?.description ?? '');
}

/**
 * Plays gardenlet for one shoot in the seed: its namespace, Cluster, `gardener` access secret,
 * `ref-*` copies of referenced secrets, the Extension and the annotations gardenlet sets on it,
 * and status writes gardenlet does itself (restoring `status.state`). The one gardenlet of the
 * integration tests, the e2e tests, the benches and the `npm start` landscape; it imports no
 * test framework. {@link Gardenlet.remove} removes everything it wrote.
 */
export class Gardenlet {
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly namespace: string;
  readonly extensionType: string;
  private readonly shootAccessKubeconfig: string | undefined;

  constructor(
    readonly seed: KubeConfig,
    options: GardenletOptions = {},
  ) {
    this.core = seed.makeApiClient(CoreV1Api);
    this.custom = seed.makeApiClient(CustomObjectsApi);
    this.namespace = options.namespace ?? `shoot--it--${randomBytes(4).toString('hex')}`;
    this.extensionType = options.extensionType ?? 'shoot-flux';
    this.shootAccessKubeconfig = options.shootAccessKubeconfig;
  }

  /** Creates the seed namespace, labelled as gardenlet labels a shoot's namespace. */
  async createNamespace(): Promise<void> {
    await this.core.createNamespace({
      body: { metadata: { name: this.namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
    });
  }

  /**
   * Creates the namespace, the Cluster with a Shoot of these facts and (given an access
   * kubeconfig) the `gardener` access secret: what a shoot's seed namespace holds before
   * gardenlet creates its Extensions.
   */
  async createShoot(shoot: ShootFacts = { name: 'my-shoot' }): Promise<void> {
    await this.createNamespace();
    await this.writeCluster(buildShootObject(this.namespace, shoot));
    if (this.shootAccessKubeconfig !== undefined) {
      await this.writeSecret('gardener', { kubeconfig: this.shootAccessKubeconfig });
    }
  }

  /** Writes the Cluster of the namespace around `shoot` (a Shoot object as the garden has it). */
  async writeCluster(shoot: unknown): Promise<void> {
    await this.custom.patchClusterCustomObject(
      {
        ...extensions,
        plural: 'clusters',
        name: this.namespace,
        body: buildClusterObject(this.namespace, shoot),
        fieldManager: 'gardenlet',
        force: true,
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  /** Merge-patches the Cluster (e.g. the Shoot inside it changed). */
  async patchCluster(body: Record<string, unknown>): Promise<void> {
    await this.custom.patchClusterCustomObject(
      { ...extensions, plural: 'clusters', name: this.namespace, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Creates or replaces a secret in the seed namespace (data as plain strings; `ref-<name>` for referenced ones). */
  async writeSecret(name: string, data: Record<string, string>, type = 'Opaque'): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: this.namespace },
      type,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    const exists = await this.core.readNamespacedSecret({ name, namespace: this.namespace }).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    if (exists) await this.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    else await this.core.createNamespacedSecret({ namespace: this.namespace, body });
  }

  /** Creates the Extension with gardenlet's reconcile annotation (type default: this gardenlet's). */
  async createExtension(
    providerConfig?: unknown,
    extension: Omit<ExtensionFacts, 'providerConfig'> = {},
  ): Promise<Extension> {
    return (await this.custom.createNamespacedCustomObject({
      ...extensions,
      namespace: this.namespace,
      plural: 'extensions',
      body: buildExtensionObject({ type: this.extensionType, ...extension, providerConfig }),
    })) as Extension;
  }

  /** Merge-patches the Extension, as gardenlet does on every shoot reconcile. */
  async patchExtension(body: Record<string, unknown>): Promise<Extension> {
    return (await this.custom.patchNamespacedCustomObject(
      { ...extensions, namespace: this.namespace, plural: 'extensions', name: extensionName, body },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )) as Extension;
  }

  /** Merge-patches the Extension's status, as gardenlet does restoring `status.state` from the ShootState. */
  async patchExtensionStatus(status: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus(
      {
        ...extensions,
        namespace: this.namespace,
        plural: 'extensions',
        name: extensionName,
        body: { status },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Asks for an operation (`reconcile`, `migrate`, `restore`, …) with a fresh timestamp, as gardenlet does. */
  async annotate(operation = 'reconcile'): Promise<void> {
    await this.patchExtension({
      metadata: {
        annotations: {
          'gardener.cloud/operation': operation,
          'gardener.cloud/timestamp': new Date().toISOString(),
        },
      },
    });
  }

  /** The Extension; rejects while it does not exist. */
  async extension(): Promise<Extension> {
    return (await this.custom.getNamespacedCustomObject({
      ...extensions,
      namespace: this.namespace,
      plural: 'extensions',
      name: extensionName,
    })) as Extension;
  }

  /** The Extension, undefined once it is gone. */
  async readExtension(): Promise<Extension | undefined> {
    return this.extension().catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  }

  /** The Extension's condition of that type, undefined while absent (or the Extension is). */
  async condition(type: string): Promise<Condition | undefined> {
    const extension = await this.readExtension();
    return extension?.status?.conditions?.find((c) => c.type === type);
  }

  /** Deletes the Extension, as gardenlet does when the shoot is deleted or the extension disabled. */
  async deleteExtension(): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({
      ...extensions,
      namespace: this.namespace,
      plural: 'extensions',
      name: extensionName,
    });
  }

  /** The events in the seed namespace. */
  async events(): Promise<{ reason?: string; type?: string; message?: string; count?: number }[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
    return list.items.map((e) => ({ reason: e.reason, type: e.type, message: e.message, count: e.count }));
  }

  /**
   * Records every `lastOperation` the Extension shows from now on, or from after
   * `resourceVersion` (a watch, so no write is missed between two reads); `stop` ends the watch.
   */
  async recordLastOperations(resourceVersion?: string): Promise<{ seen: SeenOperation[]; stop: () => void }> {
    const seen: SeenOperation[] = [];
    const controller = await new Watch(this.seed).watch(
      `/apis/extensions.gardener.cloud/v1alpha1/namespaces/${this.namespace}/extensions`,
      {
        fieldSelector: `metadata.name=${extensionName}`,
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
      },
      (_phase: string, object: Extension) => {
        const last = object.status?.lastOperation;
        if (last) seen.push({ state: last.state, description: last.description });
      },
      () => undefined,
    );
    return {
      seen,
      stop: () => {
        controller.abort();
      },
    };
  }

  /**
   * Removes everything of this shoot from the seed: the Cluster and the namespace with all in it
   * (the Extension's finalizer dropped: its controller may be gone already). Idempotent.
   */
  async remove(): Promise<void> {
    await this.custom
      .deleteClusterCustomObject({ ...extensions, plural: 'clusters', name: this.namespace })
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    await removeNamespace(this.seed, this.namespace);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}
