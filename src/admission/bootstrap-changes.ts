import fastJsonPatch from 'fast-json-patch';
import { rebootstrapAnnotation } from '../api/constants.js';
import { pathOfPointer } from '../api/schema.js';
import type { SyncMode } from '../api/constants.js';
import type { FluxConfig } from '../api/types.js';
import { isRecord } from '../api/is-record.js';

// What each syncMode keeps following after the bootstrap. Every mode syncs the referenced
// secrets (and shoot-info); ManifestsOnly re-applies the source and the Kustomization; Full also
// the installation, so nothing is left for a warning. `syncMode` itself takes effect on the next
// reconcile in every mode.
const followedAfterBootstrap: Record<SyncMode, readonly string[]> = {
  Once: ['/syncMode', '/source/secretResourceName', '/additionalSecretResources'],
  ManifestsOnly: ['/syncMode', '/source', '/kustomization', '/additionalSecretResources'],
  Full: [''],
};

// Bookkeeping of the evaluation, not a field of the providerConfig: migrating a legacy template
// to an explicit apiVersion and kind writes the same source.
const notWritten = ['/source/templateApiVersion'];

function isIgnored(pointer: string, syncMode: SyncMode): boolean {
  return [...followedAfterBootstrap[syncMode], ...notWritten].some(
    (prefix) => prefix === '' || pointer === prefix || pointer.startsWith(`${prefix}/`),
  );
}

/** A changed JSON pointer as a short field path: up to four fields, list indexes left out. */
function shortFieldPath(pointer: string): string {
  const segments: string[] = [];
  for (const segment of pointer.split('/').slice(1)) {
    if (/^\d+$/.test(segment) || segments.length === 4) break;
    segments.push(segment);
  }
  return pathOfPointer(`/${segments.join('/')}`).toString();
}

/**
 * The fields (providerConfig paths, e.g. `flux.version`, `source.template.spec.url`) whose change
 * from `before` to `after` the extension does not apply to an already bootstrapped shoot, under
 * the new config's `syncMode` (a changed mode is in effect from the next reconcile). Both configs
 * are evaluated (defaulted), so writing out a default changes nothing.
 */
export function findChangesNotAppliedAfterBootstrap(before: FluxConfig, after: FluxConfig): string[] {
  const changed = fastJsonPatch
    .compare(before, after)
    .map((operation) => operation.path)
    .filter((pointer) => !isIgnored(pointer, after.syncMode))
    .map(shortFieldPath);
  return [...new Set(changed)].sort();
}

/** What the Shoot's status tells about a bootstrap: the garden cannot see the seed's Extension. */
export type BootstrapLikelihood = 'likely' | 'possible';

/**
 * `likely` once the Shoot's creation has finished (its last operation is a successful Create or
 * anything after it): the extension ran in that flow. `possible` while it is still being created.
 */
export function readBootstrapLikelihood(shoot: unknown): BootstrapLikelihood {
  const status = isRecord(shoot) && isRecord(shoot.status) ? shoot.status : {};
  const lastOperation = isRecord(status.lastOperation) ? status.lastOperation : undefined;
  if (!lastOperation) return 'possible';
  if (lastOperation.type === 'Create' && lastOperation.state !== 'Succeeded') return 'possible';
  return 'likely';
}

function readTechnicalId(shoot: unknown): string | undefined {
  const status = isRecord(shoot) && isRecord(shoot.status) ? shoot.status : {};
  return typeof status.technicalID === 'string' && status.technicalID !== '' ? status.technicalID : undefined;
}

/** What the mode keeps following, for the warning's reason. */
const modeReason: Record<Exclude<SyncMode, 'Full'>, string> = {
  Once:
    'Flux is bootstrapped once (syncMode Once): afterwards only the referenced secrets and ' +
    'shoot-info follow the providerConfig',
  ManifestsOnly:
    'syncMode ManifestsOnly re-applies the source and the Kustomization but keeps the Flux ' +
    'installation as it was installed',
};

/**
 * The warning for a change the extension will not apply: what changed, why (the mode), and what
 * to do. It says only what the garden can know: whether the Shoot was created, not whether Flux
 * is there. `syncMode` is the new config's; `Full` applies every change and never warns.
 */
export function buildNotAppliedWarning(options: {
  fieldPrefix: string;
  changedFields: readonly string[];
  oldShoot: unknown;
  syncMode?: Exclude<SyncMode, 'Full'>;
}): string {
  const { fieldPrefix, changedFields, oldShoot, syncMode = 'Once' } = options;
  const listed =
    changedFields.length > 4 ? `${changedFields.slice(0, 4).join(', ')}, …` : changedFields.join(', ');
  const seedNamespace = readTechnicalId(oldShoot);
  const where = seedNamespace ? `in seed namespace ${seedNamespace}` : "in the shoot's seed namespace";
  const ask =
    `set syncMode: Full, or ask a Gardener operator to annotate the Extension shoot-flux ${where} with ` +
    `${rebootstrapAnnotation}=true`;
  const when =
    readBootstrapLikelihood(oldShoot) === 'likely'
      ? `This Shoot has been created, so Flux is most likely bootstrapped and the change will not be applied; to apply it, ${ask}.`
      : `If Flux is already bootstrapped into this shoot, the change will not be applied; to apply it then, ${ask}.`;
  return `${fieldPrefix}: ${listed} changed, but ${modeReason[syncMode]}. ${when}`;
}
