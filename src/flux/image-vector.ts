import yaml from 'js-yaml';
import { knownFluxComponents } from '../api/constants.js';

/** One image of a Gardener image vector (`pkg/utils/imagevector` ImageSource, the fields we use). */
export interface ImageSource {
  name: string;
  sourceRepository?: string;
  repository?: string;
  tag?: string;
  [field: string]: unknown;
}

/** Decodes an image vector (`images: [...]`); throws naming the problem when it is not one. */
export function decodeImageVector(text: string, source: string): ImageSource[] {
  const parsed = yaml.load(text, { schema: yaml.CORE_SCHEMA }) as { images?: unknown } | null;
  if (!parsed || !Array.isArray(parsed.images)) throw new Error(`${source}: no images list`);
  return parsed.images.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || typeof (entry as ImageSource).name !== 'string') {
      throw new Error(`${source}: images[${i}] has no name`);
    }
    return entry as ImageSource;
  });
}

/**
 * The vector with `overwrite` applied as Gardener's IMAGEVECTOR_OVERWRITE does: an entry of the
 * same name has its set fields replace the base's; entries of new names are appended.
 */
export function mergeImageVectors(
  base: readonly ImageSource[],
  overwrite: readonly ImageSource[],
): ImageSource[] {
  const merged = base.map((image) => ({ ...image }));
  for (const entry of overwrite) {
    const existing = merged.find((image) => image.name === entry.name);
    if (existing) Object.assign(existing, entry);
    else merged.push({ ...entry });
  }
  return merged;
}

/**
 * The registry the vector's Flux images share (`<registry>/<component>` for every Flux component
 * it lists), to be the default `flux.registry`; undefined when they do not share one.
 */
export function fluxRegistryOfImageVector(vector: readonly ImageSource[]): string | undefined {
  const registries = new Set<string>();
  for (const image of vector) {
    if (!(knownFluxComponents as readonly string[]).includes(image.name)) continue;
    const suffix = `/${image.name}`;
    if (!image.repository?.endsWith(suffix)) return undefined;
    registries.add(image.repository.slice(0, -suffix.length));
  }
  return registries.size === 1 ? [...registries][0] : undefined;
}
