// Changes the tests make to a test shoot's bootstrapped objects as its users (kubectl) and Flux
// itself (kustomize-controller applying its own repository) would: drift, deletion, self-management.
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { TestShoot } from './shoot-flux-support.js';

/** The Flux objects the bootstrap creates, all named `flux-system` in the Flux namespace. */
type BootstrappedPlural = 'gitrepositories' | 'kustomizations';

const groups: Record<BootstrappedPlural, string> = {
  gitrepositories: 'source.toolkit.fluxcd.io',
  kustomizations: 'kustomize.toolkit.fluxcd.io',
};

/** What the tests read of a bootstrapped source or Kustomization. */
export interface BootstrappedFluxObject {
  metadata: { resourceVersion: string; generation?: number; managedFields?: { manager?: string }[] };
  spec: { url?: string; interval?: string; path?: string; ref?: { branch?: string } };
}

/** The bootstrapped GitRepository or Kustomization, or undefined when it is gone. */
export async function readBootstrappedObject(
  g: TestShoot,
  plural: BootstrappedPlural,
): Promise<BootstrappedFluxObject | undefined> {
  return (await g.flux.readObject(groups[plural], plural, g.fluxNamespace, 'flux-system')) as
    BootstrappedFluxObject | undefined;
}

/** `kubectl edit` of the bootstrapped object's spec: an Update by another manager, i.e. drift. */
export async function editWithKubectl(
  g: TestShoot,
  plural: BootstrappedPlural,
  spec: Record<string, unknown>,
): Promise<void> {
  await g.shootCustom.patchNamespacedCustomObject(
    {
      group: groups[plural],
      version: 'v1',
      namespace: g.fluxNamespace,
      plural,
      name: 'flux-system',
      body: { spec },
      fieldManager: 'kubectl-edit',
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Deletes the bootstrapped object. */
export async function deleteBootstrappedObject(g: TestShoot, plural: BootstrappedPlural): Promise<void> {
  await g.shootCustom.deleteNamespacedCustomObject({
    group: groups[plural],
    version: 'v1',
    namespace: g.fluxNamespace,
    plural,
    name: 'flux-system',
  });
}

/** kustomize-controller server-side applies the GitRepository from Flux's own repository. */
export async function applySourceAsKustomizeController(
  g: TestShoot,
  spec: Record<string, unknown>,
): Promise<void> {
  await g.flux.applyAsKustomizeController({
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: 'flux-system', namespace: g.fluxNamespace },
    spec,
  });
}

/** `kubectl edit` of a Flux controller Deployment's image (a field the installation sets). */
export async function setControllerImageWithKubectl(
  g: TestShoot,
  name: string,
  image: string,
): Promise<void> {
  await g.shoot.makeApiClient(AppsV1Api).patchNamespacedDeployment(
    {
      name,
      namespace: g.fluxNamespace,
      body: { spec: { template: { spec: { containers: [{ name: 'manager', image }] } } } },
      fieldManager: 'kubectl-edit',
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
}
