import semver from 'semver';

/**
 * The oldest Kubernetes minor each Flux minor release supports: the constraint the Flux CLI's
 * `flux check --pre` enforces (`kubernetesConstraints` in flux2's `cmd/flux/check.go`, the same for
 * every patch release of a minor, read from each tag v2.0.0–v2.9.x).
 */
const minimumKubernetesByFluxMinor: ReadonlyMap<string, string> = new Map([
  ['2.0', '1.24.0'],
  ['2.1', '1.25.0'],
  ['2.2', '1.26.0'],
  ['2.3', '1.28.0'],
  ['2.4', '1.28.0'],
  ['2.5', '1.30.0'],
  ['2.6', '1.31.0'],
  ['2.7', '1.32.0'],
  ['2.8', '1.33.0'],
  ['2.9', '1.33.0'],
]);

const newestKnownMinor = [...minimumKubernetesByFluxMinor.keys()].reduce((newest, minor) =>
  semver.gt(`${minor}.0`, `${newest}.0`) ? minor : newest,
);

/**
 * The oldest Kubernetes version (`MAJOR.MINOR.0`) that Flux `fluxVersion` (`vX.Y.Z`) runs on.
 * A Flux minor newer than this table is held to the newest constraint known: Flux has never
 * lowered its minimum, so this errs towards refusing too little, never too much.
 */
export function minimumKubernetesVersionFor(fluxVersion: string): string | undefined {
  const parsed = semver.parse(fluxVersion);
  if (!parsed) return undefined;
  const minor = `${parsed.major}.${parsed.minor}`;
  const known = minimumKubernetesByFluxMinor.get(minor);
  if (known) return known;
  return semver.gt(`${minor}.0`, `${newestKnownMinor}.0`)
    ? minimumKubernetesByFluxMinor.get(newestKnownMinor)
    : undefined;
}

/**
 * Why Flux `fluxVersion` cannot run on a cluster of `kubernetesVersion` (`1.32.4`, `v1.32.4`), or
 * undefined when it can or when either version is unknown (the API server is the final judge).
 */
export function checkKubernetesCompatibility(
  fluxVersion: string,
  kubernetesVersion: string,
): string | undefined {
  const minimum = minimumKubernetesVersionFor(fluxVersion);
  const actual = semver.coerce(kubernetesVersion);
  if (!minimum || !actual) return undefined;
  if (semver.gte(actual, minimum)) return undefined;
  return (
    `Flux ${fluxVersion} needs Kubernetes >= ${minimum.replace(/\.0$/, '')}, ` +
    `the shoot runs Kubernetes ${kubernetesVersion}`
  );
}
