import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';

/** Plays Flux: marks every GitRepository and Kustomization Ready for its generation. */
export function startFluxStandIn(shoot: KubeConfig): () => void {
  const custom = shoot.makeApiClient(CustomObjectsApi);
  let stopped = false;
  const kinds = [
    { group: 'source.toolkit.fluxcd.io', plural: 'gitrepositories' },
    { group: 'kustomize.toolkit.fluxcd.io', plural: 'kustomizations' },
  ];
  const loop = async () => {
    while (!stopped) {
      for (const kind of kinds) {
        const list = (await custom.listClusterCustomObject({ ...kind, version: 'v1' })) as {
          items: {
            metadata: { name: string; namespace: string; generation: number };
            status?: { observedGeneration?: number };
          }[];
        };
        for (const item of list.items) {
          if (item.status?.observedGeneration === item.metadata.generation) continue;
          const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
          await custom.patchNamespacedCustomObjectStatus(
            {
              ...kind,
              version: 'v1',
              namespace: item.metadata.namespace,
              name: item.metadata.name,
              body: {
                status: {
                  observedGeneration: item.metadata.generation,
                  conditions: [
                    {
                      type: 'Ready',
                      status: 'True',
                      reason: 'Succeeded',
                      message: 'ok',
                      lastTransitionTime: now,
                    },
                  ],
                },
              },
            },
            setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
          );
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
