import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { ControlPlane } from '../../test/harness/control-plane.js';
import {
  buildClusterObject,
  buildExtensionObject,
  buildShootAccessKubeconfig,
  buildShootObject,
} from '../../test/harness/gardener-objects.js';
import type { BasicAuth } from '../../test/harness/git-server.js';

/** A condition as Gardener and Flux write them. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The Extension fields the landscape and the tests read. */
export interface ExtensionView {
  metadata: { creationTimestamp?: string; generation?: number };
  status?: {
    conditions?: Condition[];
    lastOperation?: { state?: string; description?: string; progress?: number };
    lastError?: { description?: string; codes?: string[] } | null;
    observedGeneration?: number;
    state?: unknown;
  };
}

/** What gardenlet knows of a shoot: its name, project namespace and referenced resources. */
export interface ShootSpec {
  name: string;
  projectNamespace: string;
  /** `spec.resources` of the Shoot. */
  resources?: { name: string; resourceRef: { apiVersion: string; kind: string; name: string } }[];
}

const extensionsGroup = { group: 'extensions.gardener.cloud', version: 'v1alpha1' } as const;

/** Plays gardenlet for one shoot: seed namespace, Cluster, access secret, `ref-*` secrets, Extension. */
export class ShootGardenlet {
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    seed: KubeConfig,
    private readonly shoot: ControlPlane,
    readonly namespace: string,
  ) {
    this.core = seed.makeApiClient(CoreV1Api);
    this.custom = seed.makeApiClient(CustomObjectsApi);
  }

  /** Creates the seed namespace, the Cluster and the `gardener` access secret of the shoot. */
  async createShoot(spec: ShootSpec): Promise<void> {
    await this.core.createNamespace({
      body: { metadata: { name: this.namespace, labels: { 'gardener.cloud/role': 'shoot' } } },
    });
    await this.custom.patchClusterCustomObject(
      {
        ...extensionsGroup,
        plural: 'clusters',
        name: this.namespace,
        fieldManager: 'gardenlet',
        force: true,
        body: buildClusterObject(
          this.namespace,
          buildShootObject(this.namespace, {
            name: spec.name,
            projectNamespace: spec.projectNamespace,
            resources: spec.resources,
          }),
        ),
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    await this.writeSecret('gardener', { kubeconfig: await buildShootAccessKubeconfig(this.shoot) });
  }

  /** Creates or replaces a secret in the seed namespace (`ref-<name>` for referenced resources). */
  async writeSecret(name: string, data: Record<string, string>, type = 'Opaque'): Promise<void> {
    const body = {
      metadata: { name, namespace: this.namespace },
      type,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    };
    const exists = await this.core.readNamespacedSecret({ name, namespace: this.namespace }).then(
      () => true,
      () => false,
    );
    if (exists) await this.core.replaceNamespacedSecret({ name, namespace: this.namespace, body });
    else await this.core.createNamespacedSecret({ namespace: this.namespace, body });
  }

  /** Creates the Extension with the reconcile annotation, as gardenlet does; resolves with the time. */
  async createExtension(providerConfig: unknown): Promise<number> {
    await this.custom.createNamespacedCustomObject({
      ...extensionsGroup,
      namespace: this.namespace,
      plural: 'extensions',
      body: buildExtensionObject({ providerConfig }),
    });
    return Date.now();
  }

  /**
   * Replaces the Extension's providerConfig and asks for a reconcile, as gardenlet does when the
   * Shoot's extension entry changed.
   */
  async updateProviderConfig(providerConfig: unknown): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      {
        ...extensionsGroup,
        namespace: this.namespace,
        plural: 'extensions',
        name: 'shoot-flux',
        body: {
          metadata: { annotations: { 'gardener.cloud/operation': 'reconcile' } },
          spec: { providerConfig },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async extension(): Promise<ExtensionView> {
    return (await this.custom.getNamespacedCustomObject({
      ...extensionsGroup,
      namespace: this.namespace,
      plural: 'extensions',
      name: 'shoot-flux',
    })) as ExtensionView;
  }

  /** The Extension's condition of that type, undefined while absent (or the Extension is). */
  async condition(type: string): Promise<Condition | undefined> {
    const extension = await this.extension().catch(() => undefined);
    return extension?.status?.conditions?.find((c) => c.type === type);
  }

  async events(): Promise<{ reason?: string; type?: string; message?: string }[]> {
    const list = await this.core.listNamespacedEvent({ namespace: this.namespace });
    return list.items.map((e) => ({ reason: e.reason, type: e.type, message: e.message }));
  }
}

/** The `kubernetes.io/dockerconfigjson` payload for one registry host. */
export function buildDockerConfigJson(host: string, auth: BasicAuth): string {
  const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  return JSON.stringify({
    auths: { [host]: { username: auth.username, password: auth.password, auth: basic } },
  });
}
