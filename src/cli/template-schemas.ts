import { evaluateFluxConfig } from '../api/evaluate.js';
import type { LandscapeFluxPolicy } from '../api/landscape-policy.js';
import type { TemplateSchemas } from '../api/template-schema.js';
import { parseManifestsBases } from '../flux/bundle-locations.js';
import { buildTemplateSchemas } from '../flux/crd-schemas.js';
import type { ProviderConfigInput } from './provider-configs.js';

/** Where `validate` may find Flux release bundles: `--flux-manifests-base` and `--cache-dir`. */
export interface BundleFlags {
  fluxManifestsBase: string[];
  cacheDir?: string;
}

/**
 * The CRD schemas each providerConfig's templates are checked against, from the bundle of its
 * Flux version: from `--flux-manifests-base` (downloads cached in `--cache-dir`), else from
 * `--cache-dir` alone (offline: its `<version>/manifests.tar.gz`, verified against the digest
 * cached with it). The Flux version is the one the landscape policy (a default version) gives, when
 * given. Without either, or when a bundle cannot be loaded, the templates are checked
 * for structure only, and `notes` say so once, for printing after the results.
 */
export async function loadTemplateSchemas(
  inputs: readonly ProviderConfigInput[],
  flags: BundleFlags,
  landscape?: LandscapeFluxPolicy,
): Promise<{ schemasFor: (input: ProviderConfigInput) => TemplateSchemas | undefined; notes: string[] }> {
  const bases =
    flags.fluxManifestsBase.length > 0
      ? parseManifestsBases(flags.fluxManifestsBase)
      : flags.cacheDir !== undefined
        ? [flags.cacheDir]
        : [];
  const hasTemplates = inputs.some((input) => {
    const config = input.providerConfig as { source?: unknown; kustomization?: unknown } | null | undefined;
    return (
      typeof config === 'object' && config !== null && (config.source ?? config.kustomization) !== undefined
    );
  });
  const none = () => undefined;
  if (!hasTemplates) return { schemasFor: none, notes: [] };
  if (bases.length === 0) {
    const note =
      'note: templates are checked for structure only; give --flux-manifests-base or --cache-dir with the ' +
      "Flux release bundle to check them against Flux's CRDs";
    return { schemasFor: none, notes: [note] };
  }
  // Loaded only here, where a bundle is needed: every other command (`run` too) loads this module.
  const { FluxBundleLoader } = await import('../flux/bundle-loader.js');
  const loader = new FluxBundleLoader({
    bases,
    ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
  });
  const versionOf = (input: ProviderConfigInput) =>
    evaluateFluxConfig(input.providerConfig, landscape ? { landscape } : {}).config?.flux.version;
  const schemas = new Map<string, TemplateSchemas>();
  const failures: string[] = [];
  for (const version of new Set(inputs.map(versionOf))) {
    if (version === undefined) continue;
    try {
      schemas.set(version, buildTemplateSchemas(await loader.load(version)));
    } catch (err) {
      failures.push(`${version}: ${(err as Error).message}`);
    }
  }
  const notes = failures.map(
    (failure) => `note: templates are checked for structure only for Flux ${failure}`,
  );
  const schemasFor = (input: ProviderConfigInput) => {
    const version = versionOf(input);
    return version === undefined ? undefined : schemas.get(version);
  };
  return { schemasFor, notes };
}
