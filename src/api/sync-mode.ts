import { defaultSyncMode, syncModes, type SyncMode } from './constants.js';
import { notSupported, type FieldError, type FieldPath } from './field-errors.js';

/** Whether `value` is one of the `syncMode` values. */
export function isSyncMode(value: unknown): value is SyncMode {
  return (syncModes as readonly unknown[]).includes(value);
}

/**
 * `syncMode` defaulted (`Once` when unset) and judged: any other text is `Unsupported value`
 * naming the three values, since a misspelt mode must not silently fall back to `Once`.
 */
export function decodeSyncMode(
  value: string | undefined,
  path: FieldPath,
): { syncMode: SyncMode; errors: FieldError[] } {
  if (value === undefined) return { syncMode: defaultSyncMode, errors: [] };
  if (isSyncMode(value)) return { syncMode: value, errors: [] };
  return { syncMode: defaultSyncMode, errors: [notSupported(path, value, syncModes)] };
}

/** Whether the mode re-applies the source and the Kustomization after the bootstrap. */
export function followsManifests(syncMode: SyncMode): boolean {
  return syncMode === 'ManifestsOnly' || syncMode === 'Full';
}

/** Whether the mode keeps the Flux installation as configured (drift repair, upgrades). */
export function followsInstallation(syncMode: SyncMode): boolean {
  return syncMode === 'Full';
}
