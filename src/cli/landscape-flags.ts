import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { knownFluxComponents } from '../api/constants.js';
import { isImageRegistry } from '../api/flux-install-options.js';
import { validateFluxVersion } from '../api/flux-version.js';
import { isValidVersionRange, type LandscapeFluxPolicy } from '../api/landscape-policy.js';
import { validateDns1123Subdomain } from '../api/names.js';
import { decodeImageVector, fluxRegistryOfImageVector, mergeImageVectors } from '../flux/image-vector.js';

/** The landscape flags of `run`, as commander parses them. */
export interface LandscapeFlags {
  defaultFluxVersion?: string;
  defaultFluxRegistry?: string;
  defaultFluxComponents?: string[];
  defaultFluxComponentsExtra?: string[];
  defaultFluxImagePullSecret?: string;
  enforceFluxRegistry?: string;
  allowedFluxVersions?: string;
}

function parseVersion(value: string): string {
  const [problem] = validateFluxVersion(value);
  if (problem) throw new InvalidArgumentError(`"${value}" ${problem}`);
  return value;
}

function parseRegistry(value: string): string {
  if (!isImageRegistry(value)) {
    throw new InvalidArgumentError(`"${value}" is not an image repository prefix like ghcr.io/fluxcd`);
  }
  return value;
}

function parseComponents(value: string, previous: string[] | undefined): string[] {
  const components = value
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  for (const component of components) {
    if (!(knownFluxComponents as readonly string[]).includes(component)) {
      throw new InvalidArgumentError(
        `unknown Flux component "${component}" (known: ${knownFluxComponents.join(', ')})`,
      );
    }
  }
  return [...new Set([...(previous ?? []), ...components])];
}

function parseRange(value: string): string {
  if (!isValidVersionRange(value)) throw new InvalidArgumentError(`"${value}" is not a semver range`);
  return value;
}

function parseResourceName(value: string): string {
  const [problem] = validateDns1123Subdomain(value);
  if (problem) throw new InvalidArgumentError(`"${value}": ${problem}`);
  return value;
}

/** Adds the landscape-wide Flux defaults and enforcement flags to `run`. */
export function addLandscapeFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--default-flux-version <version>', 'flux.version of shoots that leave it out').argParser(
        parseVersion,
      ),
    )
    .addOption(
      new Option('--default-flux-registry <registry>', 'flux.registry of shoots that leave it out').argParser(
        parseRegistry,
      ),
    )
    .addOption(
      new Option(
        '--default-flux-components <list>',
        'flux.components of shoots that leave it out (comma-separated)',
      ).argParser(parseComponents),
    )
    .addOption(
      new Option(
        '--default-flux-components-extra <list>',
        'flux.componentsExtra of shoots that leave it out (comma-separated)',
      ).argParser(parseComponents),
    )
    .addOption(
      new Option(
        '--default-flux-image-pull-secret <name>',
        'flux.imagePullSecret of shoots that leave it out and have a Shoot.spec.resources entry of this name',
      ).argParser(parseResourceName),
    )
    .addOption(
      new Option(
        '--enforce-flux-registry <registry>',
        'the registry of every shoot; another flux.registry is replaced, with a warning',
      ).argParser(parseRegistry),
    )
    .addOption(
      new Option(
        '--allowed-flux-versions <range>',
        'semver range flux.version must satisfy (e.g. ">=2.8.0 <2.10.0")',
      ).argParser(parseRange),
    );
}

/** The policy the landscape flags describe, for evaluateFluxConfig; undefined flags are left out. */
export function buildLandscapePolicy(
  flags: LandscapeFlags,
  imageVectorRegistry?: string,
): LandscapeFluxPolicy {
  const entries: [keyof LandscapeFluxPolicy, unknown][] = [
    ['defaultVersion', flags.defaultFluxVersion],
    ['defaultRegistry', flags.defaultFluxRegistry ?? imageVectorRegistry],
    ['defaultComponents', flags.defaultFluxComponents],
    ['defaultComponentsExtra', flags.defaultFluxComponentsExtra],
    ['defaultImagePullSecret', flags.defaultFluxImagePullSecret],
    ['enforceRegistry', flags.enforceFluxRegistry],
    ['allowedVersions', flags.allowedFluxVersions],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/** Gardener's variable naming an image vector that overrides the packaged one. */
export const imageVectorOverwriteEnv = 'IMAGEVECTOR_OVERWRITE';

/**
 * The default `flux.registry` an image vector override implies: the packaged `charts/images.yaml`
 * (when shipped beside the code) with `$IMAGEVECTOR_OVERWRITE` applied, when its Flux images share
 * one registry. Undefined without an override, so the built-in default stays.
 */
export function readImageVectorRegistry(env: NodeJS.ProcessEnv): string | undefined {
  const overwrite = env[imageVectorOverwriteEnv];
  if (overwrite === undefined || overwrite === '') return undefined;
  const packaged = fileURLToPath(new URL('../../charts/images.yaml', import.meta.url));
  const base = existsSync(packaged) ? decodeImageVector(readFileSync(packaged, 'utf8'), packaged) : [];
  const override = decodeImageVector(readFileSync(overwrite, 'utf8'), overwrite);
  return fluxRegistryOfImageVector(mergeImageVectors(base, override));
}
