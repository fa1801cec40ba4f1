import { createHash } from 'node:crypto';
import { rebootstrapAnnotation } from '../../api/constants.js';
import type { FluxConfig } from '../../api/types.js';
import { findCondition } from '../../gardener/condition.js';
import type { Extension } from '../../gardener/types.js';

/** The condition that records a finished bootstrap. */
export const fluxBootstrappedCondition = 'FluxBootstrapped';

// Defined in api/constants.ts: the admission webhook names it in its warnings too.
export { rebootstrapAnnotation };

/**
 * What the extension keeps in `status.state`: gardenlet persists it in the ShootState and copies
 * it back on restore, while conditions are lost in a control-plane migration (D-8).
 */
export interface FluxBootstrapState {
  /** The bootstrap finished: from now on only secrets and shoot-info are reconciled. */
  bootstrapped: boolean;
  bootstrappedAt?: string;
  /** Hash of the effective config the bootstrap used, to tell the user when it changed since. */
  configHash?: string;
  /** Hash of the install set last applied and seen ready; an identical install is skipped. */
  installHash?: string;
  fluxVersion?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The state recorded in `status.state.flux`, tolerating anything else being there. */
export function readBootstrapState(extension: Extension): FluxBootstrapState {
  const state = extension.status?.state;
  const flux = isRecord(state) && isRecord(state.flux) ? state.flux : {};
  const text = (key: string) => (typeof flux[key] === 'string' ? flux[key] : undefined);
  return {
    bootstrapped: flux.bootstrapped === true,
    bootstrappedAt: text('bootstrappedAt'),
    configHash: text('configHash'),
    installHash: text('installHash'),
    fluxVersion: text('fluxVersion'),
  };
}

/** The `status.state` patch that records `state` (other keys of status.state are kept). */
export function buildStatePatch(state: FluxBootstrapState): { flux: FluxBootstrapState } {
  return { flux: JSON.parse(JSON.stringify(state)) as FluxBootstrapState };
}

/** Whether the shoot was bootstrapped: the condition, or the state restored after a migration. */
export function isBootstrapped(extension: Extension): boolean {
  const condition = findCondition(extension.status?.conditions, fluxBootstrappedCondition);
  return condition?.status === 'True' || readBootstrapState(extension).bootstrapped;
}

/** Whether the Extension asks for a full bootstrap once more. */
export function wantsRebootstrap(extension: Extension): boolean {
  return extension.metadata.annotations?.[rebootstrapAnnotation]?.toLowerCase() === 'true';
}

/** A stable hash of what a bootstrap applies: key order does not matter. */
export function hashBootstrapConfig(config: FluxConfig): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (!isRecord(value)) return value;
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical(value[key])]),
    );
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, 16);
}
