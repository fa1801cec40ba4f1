import {
  fluxConfigApiVersion,
  fluxConfigKind,
  knownFluxComponents,
  requiredFluxComponents,
  reservedNamespacePrefix,
  reservedShootNamespaces,
} from './constants.js';
import {
  duplicate,
  forbidden,
  invalid,
  notSupported,
  required,
  type FieldError,
  type FieldPath,
  type FieldWarning,
} from './field-errors.js';
import { validateFluxVersion } from './flux-version.js';
import { validateDns1123Label, validateDns1123Subdomain, validateFluxDuration } from './names.js';
import type {
  AdditionalSecretResource,
  FluxInstallation,
  FluxSource,
  KustomizationObject,
  NamedResourceReference,
  SourceObject,
  TemplateMetadata,
} from './types.js';
// A URL as a bad value: credentials written into it are never echoed (the one redaction rule).
import { redactUrl } from '../log/redact-url.js';

const each = (path: FieldPath, value: string, problems: string[]) =>
  problems.map((problem) => invalid(path, value, problem));

/**
 * A namespace of the shoot the extension writes into: a valid namespace name (RFC 1123 label)
 * that belongs to neither Kubernetes nor Gardener (`Forbidden` otherwise): Flux's NetworkPolicies
 * would select every pod there, and its labels would be rewritten.
 */
export function validateShootNamespace(namespace: string, path: FieldPath): FieldError[] {
  const problems = validateDns1123Label(namespace);
  if (problems.length > 0) return each(path, namespace, problems);
  if (reservedShootNamespaces.includes(namespace)) {
    return [
      forbidden(
        path,
        `may not be ${namespace}: the namespace belongs to Kubernetes or Gardener in the shoot; use a namespace of your own, e.g. flux-system`,
      ),
    ];
  }
  if (namespace.startsWith(reservedNamespacePrefix)) {
    return [
      forbidden(
        path,
        `may not start with "${reservedNamespacePrefix}": the prefix is reserved for Kubernetes system namespaces`,
      ),
    ];
  }
  return [];
}

/** A name that ends up in a request path: a valid object name (RFC 1123 subdomain). */
function validateObjectName(name: string, path: FieldPath): FieldError[] {
  return each(path, name, validateDns1123Subdomain(name));
}

/** The providerConfig's own apiVersion and kind: absent is accepted (the type is implied), others are not. */
export function validateTypeMeta(
  apiVersion: string | undefined,
  kind: string | undefined,
  root: FieldPath,
): FieldError[] {
  const errors: FieldError[] = [];
  if (apiVersion !== undefined && apiVersion !== fluxConfigApiVersion) {
    errors.push(notSupported(root.child('apiVersion'), apiVersion, [fluxConfigApiVersion]));
  }
  if (kind !== undefined && kind !== fluxConfigKind) {
    errors.push(notSupported(root.child('kind'), kind, [fluxConfigKind]));
  }
  return errors;
}

/** `flux`: version format and minimum, namespace name, known and required components. */
export function validateFluxInstallation(
  flux: FluxInstallation,
  path: FieldPath,
): { errors: FieldError[]; warnings: FieldWarning[] } {
  const errors = [
    ...each(path.child('version'), flux.version, validateFluxVersion(flux.version)),
    ...validateShootNamespace(flux.namespace, path.child('namespace')),
  ];
  const warnings: FieldWarning[] = [];
  const seen = new Set<string>();
  for (const list of ['components', 'componentsExtra'] as const) {
    (flux[list] ?? []).forEach((component, i) => {
      const entryPath = path.child(list).index(i);
      if (!(knownFluxComponents as readonly string[]).includes(component)) {
        errors.push(notSupported(entryPath, component, knownFluxComponents));
      } else if (seen.has(component)) {
        warnings.push({
          field: entryPath.toString(),
          message: `component ${component} is listed more than once`,
        });
      }
      seen.add(component);
    });
  }
  if (flux.components !== undefined && flux.components.length > 0) {
    for (const component of requiredFluxComponents) {
      if (!seen.has(component)) {
        errors.push(
          invalid(path.child('components'), flux.components, `missing required component ${component}`),
        );
      }
    }
  }
  return { errors, warnings };
}

/**
 * A template's name and namespace. The namespace defaults to the Flux namespace, which is judged
 * at `flux.namespace`: it is judged here only when it differs, so one mistake is one error.
 */
function validateMetadata(metadata: TemplateMetadata, fluxNamespace: string, path: FieldPath): FieldError[] {
  return [
    ...validateObjectName(metadata.name, path.child('name')),
    ...(metadata.namespace === fluxNamespace
      ? []
      : validateShootNamespace(metadata.namespace, path.child('namespace'))),
  ];
}

function validateDurations(spec: { interval: string; timeout?: string }, path: FieldPath): FieldError[] {
  const errors = each(path.child('interval'), spec.interval, validateFluxDuration(spec.interval));
  if (spec.timeout !== undefined) {
    errors.push(...each(path.child('timeout'), spec.timeout, validateFluxDuration(spec.timeout)));
  }
  return errors;
}

const gitUrlPattern = /^(http|https|ssh):\/\//;

function validateSourceSpec(template: SourceObject, spec: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  const { url, ref } = template.spec;
  if (template.kind === 'GitRepository') {
    if (url === undefined || url === '')
      errors.push(required(spec.child('url'), 'GitRepository must have a URL'));
    else if (!gitUrlPattern.test(url)) {
      errors.push(invalid(spec.child('url'), redactUrl(url), 'must be an http://, https:// or ssh:// URL'));
    }
    const hasRef = ref !== undefined && Object.values(ref).some((v) => typeof v === 'string' && v !== '');
    if (!hasRef) errors.push(required(spec.child('ref'), 'GitRepository must have a reference'));
    return errors;
  }
  if (url === undefined || url === '')
    errors.push(required(spec.child('url'), 'OCIRepository must have a URL'));
  else if (!url.startsWith('oci://'))
    errors.push(invalid(spec.child('url'), redactUrl(url), 'must start with oci://'));
  if (ref === undefined) errors.push(required(spec.child('ref'), 'OCIRepository must have a reference'));
  else if (![ref.tag, ref.semver, ref.digest].some((v) => v !== undefined && v !== '')) {
    errors.push(invalid(spec.child('ref'), ref, 'must specify tag, semver, or digest'));
  }
  return errors;
}

/**
 * `source`: the decoded template's URL, ref, metadata, durations, and its secret reference (the
 * name of the secret synced into the source's namespace, so a valid object name).
 */
export function validateSource(source: FluxSource, fluxNamespace: string, path: FieldPath): FieldError[] {
  const templatePath = path.child('template');
  const { template } = source;
  const errors = [
    ...validateMetadata(template.metadata, fluxNamespace, templatePath.child('metadata')),
    ...validateSourceSpec(template, templatePath.child('spec')),
    ...validateDurations(template.spec, templatePath.child('spec')),
  ];
  const secretRefName = template.spec.secretRef?.name;
  if (secretRefName !== undefined && secretRefName !== '') {
    errors.push(...validateObjectName(secretRefName, templatePath.child('spec', 'secretRef', 'name')));
  }
  if (secretRefName !== undefined && secretRefName !== '' && (source.secretResourceName ?? '') === '') {
    errors.push(
      required(
        path.child('secretResourceName'),
        'must specify a secret resource name if source.template.spec.secretRef is specified',
      ),
    );
  }
  return errors;
}

/** `kustomization.template`: path, metadata, durations, and a sourceRef that points at the bootstrapped source. */
export function validateKustomization(
  template: KustomizationObject,
  source: SourceObject | undefined,
  fluxNamespace: string,
  path: FieldPath,
): FieldError[] {
  const spec = path.child('spec');
  const errors = [
    ...validateMetadata(template.metadata, fluxNamespace, path.child('metadata')),
    ...validateDurations(template.spec, spec),
  ];
  if (template.spec.path === undefined || template.spec.path === '') {
    errors.push(required(spec.child('path'), 'Kustomization must have a path'));
  }
  const { sourceRef } = template.spec;
  if (
    source !== undefined &&
    (sourceRef.kind !== source.kind ||
      sourceRef.name !== source.metadata.name ||
      sourceRef.namespace !== source.metadata.namespace)
  ) {
    errors.push(
      invalid(
        spec.child('sourceRef'),
        { kind: sourceRef.kind, name: sourceRef.name, namespace: sourceRef.namespace },
        `must point at the bootstrapped source ${source.kind} ${source.metadata.namespace}/${source.metadata.name}`,
      ),
    );
  }
  return errors;
}

/** A `Shoot.spec.resources[]` entry name that must reference a Secret with a valid name. */
export function validateShootResource(
  name: string,
  shootResources: readonly NamedResourceReference[],
  path: FieldPath,
): FieldError[] {
  const resource = shootResources.find((r) => r.name === name);
  if (resource === undefined) {
    return [
      invalid(
        path,
        name,
        'secret resource name does not match any of the resource names in Shoot.spec.resources[].name',
      ),
    ];
  }
  if (resource.resourceRef.kind !== 'Secret') {
    return [
      invalid(path, name, 'secret resource name references a Shoot.spec.resources[], which is not a secret'),
    ];
  }
  // Gardener validates the Shoot, so this holds; the name becomes a path segment in the seed
  // (`ref-<name>`) and, without targetName, in the shoot, so it is not taken on trust.
  return validateDns1123Subdomain(resource.resourceRef.name).map((problem) =>
    invalid(
      path,
      name,
      `the referenced secret's name (resourceRef.name) is not a valid object name: ${problem}`,
    ),
  );
}

/**
 * Secret references: `secretResourceName` and every additional `name` name a Secret entry of the
 * Shoot's `spec.resources` (when the Shoot is known); target names are valid and unique, and none
 * collides with the source's secret when that is synced into the Flux namespace.
 */
export function validateSecretResources(
  input: {
    fluxNamespace: string;
    source?: FluxSource;
    additionalSecretResources: readonly AdditionalSecretResource[];
  },
  shootResources: readonly NamedResourceReference[] | undefined,
  root: FieldPath,
): FieldError[] {
  const errors: FieldError[] = [];
  const secretResourceName = input.source?.secretResourceName;
  if (shootResources !== undefined && secretResourceName !== undefined && secretResourceName !== '') {
    errors.push(
      ...validateShootResource(
        secretResourceName,
        shootResources,
        root.child('source', 'secretResourceName'),
      ),
    );
  }
  const usedNames = new Map<string, string>();
  const source = input.source?.template;
  const sourceSecret = source?.spec.secretRef?.name;
  if (
    source !== undefined &&
    sourceSecret &&
    secretResourceName &&
    source.metadata.namespace === input.fluxNamespace
  ) {
    usedNames.set(sourceSecret, "the source's secret (source.template.spec.secretRef.name)");
  }
  input.additionalSecretResources.forEach((entry, i) => {
    const entryPath = root.child('additionalSecretResources').index(i);
    if (entry.name === '') {
      errors.push(required(entryPath.child('name'), 'must name an entry of Shoot.spec.resources[]'));
    } else if (shootResources !== undefined) {
      errors.push(...validateShootResource(entry.name, shootResources, entryPath.child('name')));
    }
    const hasTargetName = entry.targetName !== undefined && entry.targetName !== '';
    if (entry.targetName !== undefined && hasTargetName) {
      errors.push(...validateObjectName(entry.targetName, entryPath.child('targetName')));
    }
    const effective = hasTargetName
      ? entry.targetName
      : shootResources?.find((r) => r.name === entry.name)?.resourceRef.name;
    if (effective === undefined) return;
    const firstUser = usedNames.get(effective);
    if (firstUser !== undefined) {
      const field = entryPath.child(hasTargetName ? 'targetName' : 'name');
      errors.push(
        duplicate(field, effective, `shoot secret name ${effective} is already used by ${firstUser}`),
      );
    } else {
      usedNames.set(effective, entryPath.toString());
    }
  });
  return errors;
}
