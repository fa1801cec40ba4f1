import fastJsonPatch from 'fast-json-patch';
import {
  compileTargetPattern,
  decodeInstallPatch,
  decodeSelector,
  matchesSelector,
} from '../../api/install-patch.js';
import type { FluxInstallPatch, FluxPatchTarget } from '../../api/types.js';
import { describeManifest, isManifest, type Manifest } from './manifest.js';
import { FluxInstallError } from './options.js';
import { isRecord } from '../../api/is-record.js';

type Json = unknown;

function groupVersionOf(manifest: Manifest): { group: string; version: string } {
  const slash = manifest.apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: manifest.apiVersion }
    : { group: manifest.apiVersion.slice(0, slash), version: manifest.apiVersion.slice(slash + 1) };
}

/** Whether a manifest is selected by a target, as kustomize's selector matches (patterns anchored). */
function matchesTarget(manifest: Manifest, target: FluxPatchTarget): boolean {
  const { group, version } = groupVersionOf(manifest);
  const fields: [string | undefined, string][] = [
    [target.group, group],
    [target.version, version],
    [target.kind, manifest.kind],
    [target.name, manifest.metadata.name],
    [target.namespace, manifest.metadata.namespace ?? ''],
  ];
  for (const [pattern, value] of fields) {
    if (pattern === undefined || pattern === '') continue;
    const compiled = compileTargetPattern(pattern);
    if (typeof compiled === 'string' || !compiled.test(value)) return false;
  }
  for (const [selector, labels] of [
    [target.labelSelector, manifest.metadata.labels],
    [target.annotationSelector, manifest.metadata.annotations],
  ] as const) {
    if (selector === undefined) continue;
    const requirements = decodeSelector(selector);
    if (typeof requirements === 'string' || !matchesSelector(requirements, labels)) return false;
  }
  return true;
}

/** The target a strategic merge patch without one names: its own kind, name and (if set) namespace. */
function targetOfDocument(document: Record<string, unknown>): FluxPatchTarget {
  const metadata = isRecord(document.metadata) ? document.metadata : {};
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    kind: escape(String(document.kind)),
    name: escape(String(metadata.name)),
    ...(typeof metadata.namespace === 'string' ? { namespace: escape(metadata.namespace) } : {}),
  };
}

// Merge keys of the Deployment lists with `patchStrategy: merge` (k8s.io/api), by field path from
// the pod spec; every other list is replaced by the patch's, as kustomize does for them.
const podSpecMergeKeys: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  schedulingGates: 'name',
};
const containerMergeKeys: Record<string, string> = {
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  volumeDevices: 'devicePath',
  resizePolicy: 'resourceName',
};
const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** The merge key of the list at `path` (field names from the object root, no indices). */
function mergeKeyAt(path: readonly string[]): string | undefined {
  const [spec, template, podSpec, list, field, ...rest] = path;
  if (spec !== 'spec' || template !== 'template' || podSpec !== 'spec' || list === undefined)
    return undefined;
  if (field === undefined) return podSpecMergeKeys[list];
  if (containerLists.has(list) && rest.length === 0) return containerMergeKeys[field];
  return undefined;
}

/**
 * kyaml's strategic merge as kustomize's patches run it: maps merge, `null` removes a field,
 * lists with a merge key merge element by element, every other list and scalar is replaced.
 * kustomize merges with `ListIncreaseDirection: Prepend`, so a merged list holds the patch's
 * elements first, in the patch's order (merged into their existing element where the key
 * matches), then the existing elements the patch does not name.
 */
function strategicMerge(base: Json, patch: Json, path: readonly string[]): Json {
  if (isRecord(patch)) {
    const result = new Map<string, unknown>(isRecord(base) ? Object.entries(base) : []);
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) result.delete(key);
      else result.set(key, strategicMerge(result.get(key), value, [...path, key]));
    }
    return Object.fromEntries(result);
  }
  if (Array.isArray(patch)) {
    const key = mergeKeyAt(path);
    if (key === undefined || !Array.isArray(base)) return structuredClone(patch) as unknown[];
    const existingList = base as unknown[];
    const idOf = (element: unknown) => (isRecord(element) ? element[key] : undefined);
    const patched = (patch as unknown[]).map((element) => {
      const id = idOf(element);
      const existing = id === undefined ? undefined : existingList.find((e) => idOf(e) === id);
      return existing === undefined ? structuredClone(element) : strategicMerge(existing, element, path);
    });
    const named = new Set<unknown>((patch as unknown[]).map(idOf).filter((id) => id !== undefined));
    return [...patched, ...existingList.filter((e) => !named.has(idOf(e)))];
  }
  return patch;
}

function patchError(index: number, problem: string): FluxInstallError {
  return new FluxInstallError(`Invalid value: ${problem}`, `flux.patches[${index}]`);
}

function applyOne(manifests: Manifest[], entry: FluxInstallPatch, index: number): Manifest[] {
  const decoded = decodeInstallPatch(entry.patch);
  if (typeof decoded === 'string') throw patchError(index, `patch ${decoded}`);
  const units =
    decoded.type === 'json6902'
      ? [{ target: entry.target, apply: (m: Manifest) => applyJson6902(m, decoded.operations, index) }]
      : decoded.documents.map((document) => ({
          target: entry.target ?? targetOfDocument(document),
          apply: (m: Manifest) => applyStrategicMerge(m, document, index),
        }));
  let result = manifests;
  for (const unit of units) {
    if (unit.target === undefined) throw patchError(index, 'a JSON 6902 patch needs a target');
    const target = unit.target;
    let matched = 0;
    result = result.map((manifest) => {
      if (!matchesTarget(manifest, target)) return manifest;
      matched++;
      return unit.apply(manifest);
    });
    if (matched === 0) throw patchError(index, 'the patch targets no object of the Flux installation');
  }
  return result;
}

function applyJson6902(manifest: Manifest, operations: fastJsonPatch.Operation[], index: number): Manifest {
  let patched: unknown;
  try {
    patched = fastJsonPatch.applyPatch(structuredClone(manifest), operations, true, true).newDocument;
  } catch (err) {
    const detail = (err as Error).message.split('\n')[0] ?? '';
    throw patchError(index, `cannot apply to ${describeManifest(manifest)}: ${detail}`);
  }
  return checkedResult(patched, manifest, index);
}

function applyStrategicMerge(manifest: Manifest, document: Record<string, unknown>, index: number): Manifest {
  if (manifest.kind !== 'Deployment') {
    // kustomize merges other kinds by their own OpenAPI merge keys (or none for CRDs); only the
    // Deployment rules are reproduced here, so other kinds take a JSON 6902 patch.
    throw patchError(
      index,
      `strategic merge patches apply to Deployments only, ${describeManifest(manifest)} is selected: use a JSON 6902 patch`,
    );
  }
  // The patch's identity does not rename its target (kustomize keeps the target's).
  const body = Object.fromEntries(
    Object.entries(document).filter(([key]) => key !== 'apiVersion' && key !== 'kind'),
  );
  const metadata = isRecord(document.metadata) ? document.metadata : {};
  body.metadata = Object.fromEntries(
    Object.entries(metadata).filter(([key]) => key !== 'name' && key !== 'namespace'),
  );
  const merged = strategicMerge(manifest, body, []);
  return checkedResult(merged, manifest, index);
}

/** A patch may change an object's content, not make it something that is no Kubernetes object. */
function checkedResult(patched: unknown, original: Manifest, index: number): Manifest {
  if (!isManifest(patched)) {
    throw patchError(index, `leaves ${describeManifest(original)} without apiVersion, kind or metadata.name`);
  }
  return patched;
}

/**
 * Applies `flux.patches` to the rendered install set in order, each to every object its target
 * selects (a strategic merge patch without target: the object it names). A patch that is
 * malformed, selects nothing or fails is a FluxInstallError at `flux.patches[i]`.
 */
export function applyInstallPatches(manifests: Manifest[], patches: readonly FluxInstallPatch[]): Manifest[] {
  return patches.reduce((result, entry, index) => applyOne(result, entry, index), manifests);
}
