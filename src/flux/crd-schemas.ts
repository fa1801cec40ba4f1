import yaml from 'js-yaml';
import { templateSchemaKey, type TemplateSchemas } from '../api/template-schema.js';
import type { FluxReleaseBundle } from './install/bundle.js';
import { isRecord } from '../api/is-record.js';

/** The CRDs templates are written as: the source kinds and the Kustomization, by API group. */
const templateKinds: Readonly<Record<string, readonly string[]>> = {
  'source.toolkit.fluxcd.io': ['GitRepository', 'OCIRepository'],
  'kustomize.toolkit.fluxcd.io': ['Kustomization'],
};

/** The served versions' schemas of one CRD document, if it is one of the template kinds. */
function schemasOfCrd(document: unknown): [string, unknown][] {
  if (!isRecord(document) || document.kind !== 'CustomResourceDefinition' || !isRecord(document.spec))
    return [];
  const { group, names, versions } = document.spec;
  const kind = isRecord(names) ? names.kind : undefined;
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return [];
  if (!templateKinds[group]?.includes(kind)) return [];
  return versions.flatMap((version: unknown): [string, unknown][] => {
    if (!isRecord(version) || version.served !== true || typeof version.name !== 'string') return [];
    const schema = isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined;
    return isRecord(schema) ? [[templateSchemaKey(`${group}/${version.name}`, kind), schema]] : [];
  });
}

// Parsing a bundle's CRDs takes tens of milliseconds; the loader hands out one object per
// bundle, so each bundle is parsed once and its schemas (themselves the keys of the compiled
// validators' memo) stay the same objects.
const built = new WeakMap<FluxReleaseBundle, TemplateSchemas>();

/**
 * The OpenAPI v3 schemas of the GitRepository, OCIRepository and Kustomization versions a Flux
 * release bundle serves, for checking templates against the CRDs that will be installed.
 */
export function buildTemplateSchemas(bundle: FluxReleaseBundle): TemplateSchemas {
  const cached = built.get(bundle);
  if (cached) return cached;
  const schemas: Record<string, unknown> = {};
  for (const name of Object.keys(bundle.files).sort()) {
    const text = bundle.files[name] ?? '';
    // Only files that hold a CRD are parsed (the RBAC and policy files hold none).
    if (!text.includes('CustomResourceDefinition')) continue;
    for (const document of yaml.loadAll(text)) {
      for (const [key, schema] of schemasOfCrd(document)) schemas[key] = schema;
    }
  }
  const result: TemplateSchemas = { origin: `Flux ${bundle.version}`, schemas };
  built.set(bundle, result);
  return result;
}
