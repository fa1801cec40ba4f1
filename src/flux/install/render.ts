import { componentFileName, policiesFileName, rbacFileName, type FluxReleaseBundle } from './bundle.js';
import { describeManifest, isManifest, type Manifest } from './manifest.js';
import { FluxInstallError, validateFluxInstallOptions, type FluxInstallOptions } from './options.js';
import { buildClusterScopedKinds, sortManifests } from './order.js';
import { applyInstallPatches } from './patches.js';
import { decodeManifestsYaml } from './yaml.js';

/** The namespace literal the release's `rbac.yaml` uses for ServiceAccount subjects. */
const bundleNamespace = 'flux-system';

/** Labels `flux install` puts on every object and on Deployment pod templates. */
export function buildFluxInstallLabels(
  options: Pick<FluxInstallOptions, 'namespace' | 'version'>,
): Record<string, string> {
  return {
    'app.kubernetes.io/instance': options.namespace,
    'app.kubernetes.io/part-of': 'flux',
    'app.kubernetes.io/version': options.version,
  };
}

interface RenderContext {
  readonly bundle: FluxReleaseBundle;
  readonly options: FluxInstallOptions;
  readonly labels: Record<string, string>;
  /** `--events-addr` value: notification-controller's Service, or empty without it. */
  readonly eventsAddress: string;
}

/**
 * Renders the objects `flux install --export` produces for these options from a release bundle
 * (flux2 `pkg/manifestgen/install`): Namespace, RBAC with the `-<namespace>` suffix, NetworkPolicies, the
 * components with patched args, node selector, labels and rewritten images, in apply order.
 * Pure and deterministic; throws FluxInstallError naming the field or bundle file at fault.
 */
export function renderInstallManifests(bundle: FluxReleaseBundle, options: FluxInstallOptions): Manifest[] {
  const invalid = validateFluxInstallOptions(options);
  if (invalid) throw invalid;
  if (bundle.version !== options.version) {
    throw new FluxInstallError(
      `release bundle from ${bundle.source} is for Flux ${bundle.version}, not ${options.version}`,
    );
  }
  const { clusterDomain } = options;
  const context: RenderContext = {
    bundle,
    options,
    labels: buildFluxInstallLabels(options),
    eventsAddress: options.components.includes('notification-controller')
      ? `http://notification-controller.$(RUNTIME_NAMESPACE).svc.${clusterDomain}./`
      : '',
  };

  const manifests: Manifest[] = [buildNamespace(options.namespace)];
  if (options.networkPolicy) manifests.push(...parseBundleFile(bundle, policiesFileName));
  manifests.push(...renderRbac(bundle, options.namespace));
  for (const component of options.components) {
    if (!(componentFileName(component) in bundle.files)) {
      throw new FluxInstallError(
        `component "${component}" is not part of the Flux ${bundle.version} release (no ${componentFileName(component)} in ${bundle.source})`,
        'flux.components',
      );
    }
    manifests.push(...parseBundleFile(bundle, componentFileName(component)));
  }

  const isClusterScoped = buildClusterScopedKinds(manifests);
  const rendered = manifests.map((manifest) => renderManifest(manifest, isClusterScoped(manifest), context));
  rejectDuplicates(rendered, bundle);
  // The user's patches apply to the finished set, as a bootstrap repository's kustomization
  // patches `gotk-components.yaml`.
  return sortManifests(applyInstallPatches(rendered, options.patches));
}

/** Existing labels with ours set on top, keys sorted (as kustomize writes them). */
function buildSortedLabels(
  existing: Record<string, string> | undefined,
  ours: Record<string, string>,
): Record<string, string> {
  const merged = { ...existing, ...ours };
  return Object.fromEntries(
    Object.keys(merged)
      .sort()
      .map((key) => [key, merged[key] ?? '']),
  );
}

function buildNamespace(namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: {
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
}

/**
 * The parsed objects of each bundle file as the bundle holds it, per bundle object (the loader
 * keeps one per Flux version): every shoot's render starts from a copy instead of parsing the
 * same YAML again. Bounded by the bundles alive (weakly held) times their few files.
 */
const parsedFiles = new WeakMap<FluxReleaseBundle, Map<string, Manifest[]>>();

/**
 * Parses one bundle file into its objects; empty documents are skipped. The file's own text is
 * parsed once per bundle and handed out as a copy (rendering changes the objects); another text
 * (`rbac.yaml` for a namespace other than `flux-system`) is parsed every time.
 */
function parseBundleFile(
  bundle: FluxReleaseBundle,
  fileName: string,
  text = bundle.files[fileName],
): Manifest[] {
  if (text === undefined || text !== bundle.files[fileName]) return decodeBundleFile(bundle, fileName, text);
  let files = parsedFiles.get(bundle);
  if (!files) {
    files = new Map();
    parsedFiles.set(bundle, files);
  }
  let parsed = files.get(fileName);
  if (!parsed) {
    parsed = decodeBundleFile(bundle, fileName, text);
    files.set(fileName, parsed);
  }
  return structuredClone(parsed);
}

function decodeBundleFile(bundle: FluxReleaseBundle, fileName: string, text: string | undefined): Manifest[] {
  if (text === undefined) {
    throw new FluxInstallError(
      `the Flux ${bundle.version} release bundle from ${bundle.source} has no ${fileName}`,
    );
  }
  const decoded = decodeManifestsYaml(text);
  if ('error' in decoded) {
    throw new FluxInstallError(
      `the Flux ${bundle.version} release bundle from ${bundle.source}: ${fileName} is not valid YAML: ${decoded.error}`,
    );
  }
  const { documents } = decoded;
  return documents.flatMap((document, index) => {
    if (document === null || document === undefined) return [];
    if (!isManifest(document)) {
      throw new FluxInstallError(
        `the Flux ${bundle.version} release bundle from ${bundle.source}: ${fileName} document ${index + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`,
      );
    }
    return [document];
  });
}

/**
 * `rbac.yaml` as Flux's `roles` kustomization renders it: every literal `flux-system` replaced by
 * the namespace (kustomize cannot patch subject namespaces), `-<namespace>` appended to every name,
 * and role references of the bindings following the renamed roles.
 */
function renderRbac(bundle: FluxReleaseBundle, namespace: string): Manifest[] {
  const original = bundle.files[rbacFileName];
  const text = namespace === bundleNamespace ? original : original?.replaceAll(bundleNamespace, namespace);
  const objects = parseBundleFile(bundle, rbacFileName, text);
  const renamed = new Map<string, string>();
  for (const object of objects) {
    const name = `${object.metadata.name}-${namespace}`;
    renamed.set(`${object.kind}/${object.metadata.name}`, name);
    object.metadata.name = name;
  }
  for (const object of objects) {
    if (object.kind !== 'ClusterRoleBinding' && object.kind !== 'RoleBinding') continue;
    const roleRef = object.roleRef as { kind?: string; name?: string } | undefined;
    const target = roleRef && renamed.get(`${roleRef.kind ?? ''}/${roleRef.name ?? ''}`);
    if (roleRef && target) roleRef.name = target;
  }
  return objects;
}

function renderManifest(manifest: Manifest, clusterScoped: boolean, context: RenderContext): Manifest {
  const { namespace } = context.options;
  const { name, ...metadata } = manifest.metadata;
  delete metadata.namespace;
  const rendered: Manifest = {
    ...manifest,
    metadata: {
      name,
      ...(clusterScoped ? {} : { namespace }),
      ...metadata,
      labels: buildSortedLabels(manifest.metadata.labels, context.labels),
    },
  };
  if (rendered.kind === 'CustomResourceDefinition') setConversionServiceNamespace(rendered, namespace);
  const podSpec = podTemplateSpec(rendered);
  if (podSpec) rewriteImages(podSpec, context.options);
  if (rendered.kind === 'Deployment') renderDeployment(rendered, context);
  return rendered;
}

/** kustomize's namespace transformer also moves a CRD's conversion webhook Service. */
function setConversionServiceNamespace(crd: Manifest, namespace: string): void {
  const spec = crd.spec as
    { conversion?: { webhook?: { clientConfig?: { service?: { namespace?: string } } } } } | undefined;
  const service = spec?.conversion?.webhook?.clientConfig?.service;
  if (service) service.namespace = namespace;
}

interface Container {
  name?: string;
  image?: string;
  args?: unknown[];
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: PodSpec;
}

interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  nodeSelector?: Record<string, string>;
  imagePullSecrets?: { name?: string }[];
  tolerations?: Record<string, unknown>[];
}

function podTemplateSpec(manifest: Manifest): PodSpec | undefined {
  const template = (manifest.spec as { template?: PodTemplate } | undefined)?.template;
  return template?.spec;
}

/** kustomize `images`: `fluxcd/<component>[:tag|@digest]` → `<registry>/<component>` keeping tag/digest. */
function rewriteImages(podSpec: PodSpec, options: FluxInstallOptions): void {
  if (options.registry === '') return;
  for (const container of [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? [])]) {
    if (typeof container.image !== 'string') continue;
    const match = /^fluxcd\/([^:@/]+)([:@].*)?$/.exec(container.image);
    const component = match?.[1];
    if (component && options.components.includes(component)) {
      container.image = `${options.registry}/${component}${match[2] ?? ''}`;
    }
  }
}

/** Flux's Deployment patches: pod template labels, node selector, container args. */
function renderDeployment(deployment: Manifest, context: RenderContext): void {
  const template = (deployment.spec as { template?: PodTemplate } | undefined)?.template;
  if (!template?.spec) {
    throw bundleError(context, deployment, 'has no spec.template.spec');
  }
  template.metadata = {
    ...template.metadata,
    labels: buildSortedLabels(template.metadata?.labels, context.labels),
  };
  renderNodeSelectorPatch(template.spec, context.options);

  const component = deployment.metadata.name;
  if (!context.options.components.includes(component)) return;
  const container = template.spec.containers?.[0];
  if (!container) throw bundleError(context, deployment, 'has no containers');
  const args = container.args ?? [];
  for (const [index, flag, value] of buildArgPatches(component, context.eventsAddress, context.options)) {
    const current = args[index];
    // Flux patches by position; a bundle whose args moved would get silently broken flags.
    if (typeof current !== 'string' || (current !== flag && !current.startsWith(`${flag}=`))) {
      throw bundleError(
        context,
        deployment,
        `has ${JSON.stringify(current)} at containers[0].args[${index}], expected ${flag}`,
      );
    }
    args[index] = `${flag}=${value}`;
  }
  const featureGate = '--feature-gates=ExternalArtifact=true';
  const needsFeatureGate =
    context.options.components.includes('source-watcher') &&
    (component === 'kustomize-controller' || component === 'helm-controller');
  if (needsFeatureGate && !args.includes(featureGate)) args.push(featureGate);
  container.args = args;
}

/**
 * Flux's `node-selector.yaml` strategic merge patch on every Deployment: the Linux node selector,
 * the image pull secret (a list merged by `name`) and one `Exists` toleration per key
 * (tolerations have no merge key: the list is replaced).
 */
function renderNodeSelectorPatch(spec: PodSpec, options: FluxInstallOptions): void {
  spec.nodeSelector = { ...spec.nodeSelector, 'kubernetes.io/os': 'linux' };
  if (options.imagePullSecret !== '') {
    const secrets = spec.imagePullSecrets ?? [];
    if (!secrets.some((s) => s.name === options.imagePullSecret))
      secrets.push({ name: options.imagePullSecret });
    spec.imagePullSecrets = secrets;
  }
  if (options.tolerationKeys.length > 0) {
    spec.tolerations = options.tolerationKeys.map((key) => ({ key, operator: 'Exists' }));
  }
}

/** `[index, flag, value]` of the positional arg patches Flux applies to a component's Deployment. */
function buildArgPatches(
  component: string,
  eventsAddress: string,
  options: FluxInstallOptions,
): [number, string, string][] {
  const { watchAllNamespaces, logLevel, clusterDomain } = options;
  const watch: [string, string] = ['--watch-all-namespaces', String(watchAllNamespaces)];
  const log: [string, string] = ['--log-level', logLevel];
  if (component === 'notification-controller') {
    return [
      [0, ...watch],
      [1, ...log],
    ];
  }
  const common: [number, string, string][] = [
    [0, '--events-addr', eventsAddress],
    [1, ...watch],
    [2, ...log],
  ];
  if (component === 'source-controller' || component === 'source-watcher') {
    common.push([6, '--storage-adv-addr', `${component}.$(RUNTIME_NAMESPACE).svc.${clusterDomain}.`]);
  }
  return common;
}

function bundleError(context: RenderContext, manifest: Manifest, problem: string): FluxInstallError {
  return new FluxInstallError(
    `the Flux ${context.bundle.version} release bundle from ${context.bundle.source}: ${describeManifest(manifest)} ${problem}`,
  );
}

function rejectDuplicates(manifests: readonly Manifest[], bundle: FluxReleaseBundle): void {
  const seen = new Set<string>();
  for (const manifest of manifests) {
    const key = `${manifest.apiVersion}/${describeManifest(manifest)}`;
    if (seen.has(key)) {
      throw new FluxInstallError(
        `the Flux ${bundle.version} release bundle from ${bundle.source} defines ${describeManifest(manifest)} twice`,
      );
    }
    seen.add(key);
  }
}
