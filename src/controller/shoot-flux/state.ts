import { rebootstrapAnnotation } from '../../api/constants.js';
import { validateDns1123Label, validateDns1123Subdomain } from '../../api/names.js';
import type { FluxConfig } from '../../api/types.js';
import { findCondition } from '../../gardener/condition.js';
import type { Extension } from '../../gardener/types.js';
import { hashCanonicalJson } from '../../api/canonical-json.js';
import { isRecord } from '../../api/is-record.js';

/** The condition that records a finished bootstrap. */
export const fluxBootstrappedCondition = 'FluxBootstrapped';
/** Condition type saying what the providerConfig's evaluation warned about (e.g. an enforced registry). */
export const configWarningsCondition = 'ConfigWarnings';

// Defined in api/constants.ts: the admission webhook names it in its warnings too.
export { rebootstrapAnnotation };

/**
 * What the extension keeps in `status.state`: gardenlet persists it in the ShootState and copies
 * it back on restore, while conditions are lost in a control-plane migration.
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
  /** Hash of `flux` as last installed, so `ManifestsOnly` can say that a change of it is not applied. */
  installConfigHash?: string;
  /** The last re-apply of the source and Kustomization (`ManifestsOnly`, `Full`). */
  manifests?: RecordedSync;
  /** The last sync of the installation in `Full`. */
  install?: RecordedSync;
  /** A Flux upgrade applied and not yet available (resumed across requeues and restarts). */
  upgrade?: FluxUpgradeState;
}

/** An upgrade in progress: from which version to which, since when. */
export interface FluxUpgradeState {
  from: string;
  to: string;
  startedAt: string;
}

function readUpgrade(value: unknown): FluxUpgradeState | undefined {
  if (!isRecord(value)) return undefined;
  const { from, to, startedAt } = value;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof startedAt !== 'string') return undefined;
  return { from, to, startedAt };
}

/** What a sync of a set of objects recorded: hashes of what was applied and of the live result. */
export interface RecordedSync {
  desired: string;
  live: string;
}

function readRecordedSync(value: unknown): RecordedSync | undefined {
  if (!isRecord(value) || typeof value.desired !== 'string' || typeof value.live !== 'string')
    return undefined;
  return { desired: value.desired, live: value.live };
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
    installConfigHash: text('installConfigHash'),
    manifests: readRecordedSync(flux.manifests),
    install: readRecordedSync(flux.install),
    upgrade: readUpgrade(flux.upgrade),
  };
}

/**
 * The `status.state` patch that records `state` (other keys of status.state are kept). Keys of
 * `previous` that `state` no longer has (a finished upgrade) are removed: the patch is a merge
 * patch, where only `null` deletes.
 */
export function buildStatePatch(
  state: FluxBootstrapState,
  previous?: FluxBootstrapState,
): { flux: Record<string, unknown> } {
  const flux = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(previous ?? {})) {
    if (value !== undefined && !(key in flux)) flux[key] = null;
  }
  return { flux };
}

/** A shoot secret, by namespace and name. */
export interface SecretKey {
  namespace: string;
  name: string;
}

/**
 * What the extension records about the secrets it synced, in `status.state.secrets` (beside, not
 * inside, the bootstrap state, so neither write can undo the other). Only a secret in `synced`
 * that still carries `owner` in its owner annotation is ever deleted: the label alone proves
 * nothing, a `kubectl get -o yaml` copy carries it too.
 */
export interface SecretOwnershipState {
  /**
   * The owner annotation's value: the Extension's namespace, name and uid when first recorded.
   * Kept as recorded, so it survives a control-plane migration, where the Extension is
   * recreated with a new uid and status.state is copied over.
   */
  owner: string;
  /** Every secret synced into the shoot and not deleted since, sorted. */
  synced: SecretKey[];
}

/** The owner mark of secrets synced for `extension` when none is recorded yet. */
export function buildSecretOwner(extension: Extension): string {
  const { namespace = '', name, uid } = extension.metadata;
  return uid ? `${namespace}/${name}/${uid}` : `${namespace}/${name}`;
}

/** The ownership recorded in `status.state.secrets`; a new owner and an empty list when there is none. */
export function readSecretOwnership(extension: Extension): SecretOwnershipState {
  const state = extension.status?.state;
  const secrets = isRecord(state) && isRecord(state.secrets) ? state.secrets : {};
  const owner =
    typeof secrets.owner === 'string' && secrets.owner !== '' ? secrets.owner : buildSecretOwner(extension);
  // Only entries that could name a secret of ours count: the extension writes nothing else.
  const synced = (Array.isArray(secrets.synced) ? (secrets.synced as unknown[]) : []).flatMap(
    (entry): SecretKey[] =>
      isRecord(entry) &&
      typeof entry.namespace === 'string' &&
      typeof entry.name === 'string' &&
      validateDns1123Label(entry.namespace).length === 0 &&
      validateDns1123Subdomain(entry.name).length === 0
        ? [{ namespace: entry.namespace, name: entry.name }]
        : [],
  );
  return { owner, synced: sortSecretKeys(synced) };
}

/** Keys sorted by namespace, then name, without duplicates: one stable order for status. */
export function sortSecretKeys(keys: readonly SecretKey[]): SecretKey[] {
  const unique = new Map(keys.map((key) => [`${key.namespace}/${key.name}`, key]));
  return [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, key]) => ({ namespace: key.namespace, name: key.name }));
}

/** The `status.state` patch that records the secret ownership (other keys of status.state are kept). */
export function buildSecretOwnershipPatch(ownership: SecretOwnershipState): {
  secrets: SecretOwnershipState;
} {
  return { secrets: { owner: ownership.owner, synced: sortSecretKeys(ownership.synced) } };
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

/**
 * A stable hash of what a bootstrap applies: key order does not matter. `syncMode` is left out:
 * it says what is kept applied, not what is applied, and a shoot bootstrapped before the field
 * existed must keep its hash.
 */
export function hashBootstrapConfig(config: FluxConfig): string {
  const applied: Partial<FluxConfig> = { ...config };
  delete applied.syncMode;
  return hashCanonicalJson(applied).slice(0, 16);
}

/** A stable hash of `flux` (what the installation is rendered from). */
export function hashInstallConfig(config: FluxConfig): string {
  return hashBootstrapConfig({
    ...config,
    source: undefined,
    kustomization: undefined,
    additionalSecretResources: [],
  });
}

/** The condition that says whether the bootstrapped source and Kustomization are synced (stays on the Extension). */
export const fluxSyncedCondition = 'FluxSynced';
