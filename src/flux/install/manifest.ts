/** One Kubernetes object of the install set, as plain JSON. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: ManifestMetadata;
  [field: string]: unknown;
}

/** The metadata fields the renderer reads and writes; others pass through. */
export interface ManifestMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** Whether a parsed YAML document is an object with apiVersion, kind and metadata.name. */
export function isManifest(value: unknown): value is Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const candidate = value as Partial<Manifest>;
  return (
    typeof candidate.apiVersion === 'string' &&
    typeof candidate.kind === 'string' &&
    typeof candidate.metadata === 'object' &&
    typeof (candidate.metadata as Partial<ManifestMetadata> | null)?.name === 'string'
  );
}

/** `Kind namespace/name` or `Kind name`, for messages. */
export function describeManifest(manifest: Manifest): string {
  const { name, namespace } = manifest.metadata;
  return `${manifest.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}
