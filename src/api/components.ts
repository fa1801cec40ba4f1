import { defaultFluxComponents } from './constants.js';

/**
 * The effective component list of a Flux installation: `components` replaces Flux's defaults when
 * non-empty, `componentsExtra` is appended, duplicates are removed keeping the first occurrence.
 */
export function resolveFluxComponents(
  components?: readonly string[],
  componentsExtra?: readonly string[],
): string[] {
  const base = components && components.length > 0 ? components : defaultFluxComponents;
  return [...new Set([...base, ...(componentsExtra ?? [])])];
}
