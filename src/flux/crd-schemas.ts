import yaml from 'js-yaml';
import { templateSchemaKey, type TemplateSchemas } from '../api/template-schema.js';
import type { FluxReleaseBundle } from './install/bundle.js';

/** The CRDs templates are written as: the source kinds and the Kustomization, by API group. */
const templateKinds: Readonly<Record<string, readonly string[]>> = {
  'source.toolkit.fluxcd.io': ['GitRepository', 'OCIRepository'],
  'kustomize.toolkit.fluxcd.io': ['Kustomization'],
};

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The served versions' schemas of one CRD document, if it is one of the template kinds. */
function schemasOfCrd(document: unknown): [string, unknown][] {
  if (!isObject(document) || document.kind !== 'CustomResourceDefinition' || !isObject(document.spec))
    return [];
  const { group, names, versions } = document.spec;
  const kind = isObject(names) ? names.kind : undefined;
  if (typeof group !== 'string' || typeof kind !== 'string' || !Array.isArray(versions)) return [];
  if (!templateKinds[group]?.includes(kind)) return [];
  return versions.flatMap((version: unknown): [string, unknown][] => {
    if (!isObject(version) || version.served !== true || typeof version.name !== 'string') return [];
    const schema = isObject(version.schema) ? version.schema.openAPIV3Schema : undefined;
    return isObject(schema) ? [[templateSchemaKey(`${group}/${version.name}`, kind), schema]] : [];
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
