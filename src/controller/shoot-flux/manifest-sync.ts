import type { TemplateSchemas } from '../../api/template-schema.js';
import type { FluxConfig, KustomizationObject, SourceObject } from '../../api/types.js';
import type { AppliedObject, ApplyObject } from '../../kube/apply.js';
import type { Logger } from '../../log/logger.js';
import { syncObjects, type ObjectSyncResult } from './object-sync.js';
import type { ClusterAccess } from './secret-sync.js';
import type { RecordedSync } from './state.js';
import { applyTemplateObject, type TemplatePath } from './template-apply.js';

/** Inputs of one re-apply of the bootstrapped source and Kustomization. */
export interface ManifestSyncParams {
  shoot: ClusterAccess;
  config: FluxConfig;
  recorded: RecordedSync | undefined;
  signal: AbortSignal;
  logger: Logger;
  /**
   * The schemas of the installed Flux version's CRDs, loaded only when something is applied: a
   * steady state must not load the release bundle.
   */
  loadSchemas: () => Promise<TemplateSchemas>;
}

/**
 * `ManifestsOnly` and `Full` after the bootstrap: the source and the Kustomization follow the
 * providerConfig (a changed branch, tag, path or interval reaches the shoot without any
 * annotation), are put back when deleted or when a field we set was changed, and are left alone
 * when another manager applies them (Flux managing itself). Nothing is sent in a steady state.
 * Fields the installed CRDs do not declare are left out, as in the bootstrap (which warned about
 * them): server-side apply would refuse the object for them. The shoot's refusal of a template is
 * a configuration error at its providerConfig path.
 */
export async function syncBootstrapManifests(params: ManifestSyncParams): Promise<ObjectSyncResult> {
  const { config, shoot, signal } = params;
  const templates = new Map<ApplyObject, [SourceObject | KustomizationObject, TemplatePath]>();
  if (config.source) templates.set(config.source.template, [config.source.template, 'source.template']);
  if (config.kustomization) {
    const kustomization = config.kustomization.template;
    templates.set(kustomization, [kustomization, 'kustomization.template']);
  }
  return syncObjects({
    shoot,
    objects: [...templates.keys()],
    recorded: params.recorded,
    signal,
    logger: params.logger.named('manifest-sync'),
    apply: async (objects) => {
      const schemas = await params.loadSchemas();
      const results: AppliedObject[] = [];
      for (const object of objects) {
        const template = templates.get(object);
        if (template) {
          results.push(await applyTemplateObject(shoot, template[0], template[1], signal, schemas));
        }
      }
      return results;
    },
  });
}
