import { Command, Option } from 'commander';
import { FluxBundleLoader, parseManifestsBases, parseManifestsChecksums } from '../../flux/bundle-loader.js';
import {
  FluxInstallError,
  buildFluxInstallOptions,
  validateFluxInstallOptions,
  type FluxInstallationSpec,
  type FluxInstallOptions,
} from '../../flux/install/options.js';
import type { Manifest } from '../../flux/install/manifest.js';
import { resolveImagePullSecretName } from '../../api/flux-install-options.js';
import { fluxLogLevels } from '../../api/types.js';
import { renderInstallManifests } from '../../flux/install/render.js';
import { renderManifestsYaml } from '../../flux/install/yaml.js';
import { readProviderConfigs } from '../config-input.js';
import { parseBoolFlag } from './run.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

interface InstallManifestsFlags {
  filename?: string;
  version?: string;
  namespace?: string;
  registry?: string;
  components?: string[];
  componentsExtra?: string[];
  networkPolicy?: boolean;
  clusterDomain?: string;
  logLevel?: string;
  watchAllNamespaces?: boolean;
  tolerationKeys?: string[];
  imagePullSecret?: string;
  fluxManifestsBase: string[];
  fluxManifestsChecksum: string[];
  cacheDir?: string;
  output: 'yaml' | 'json';
}

function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The `flux` sections to render: each providerConfig's in `-f`, or none (flags and defaults only). */
function readInstallationSpecs(
  flags: InstallManifestsFlags,
): { label: string; spec: FluxInstallationSpec }[] | undefined {
  if (flags.filename === undefined) return [{ label: 'flags', spec: {} }];
  const inputs = readProviderConfigs(flags.filename);
  const checks = inputs.map(checkProviderConfig);
  const notes = checks.flatMap(formatCheckLines);
  if (notes.length > 0) process.stderr.write(`${notes.join('\n')}\n`);
  if (!checks.every((check) => check.valid)) return undefined;
  return checks.map((check, i) => {
    const flux = check.config?.flux;
    // The shoot secret is named after the referenced secret; without the Shoot, after the entry.
    const imagePullSecret = flux ? resolveImagePullSecretName(flux, inputs[i]?.shootResources) : undefined;
    return {
      label: `${check.source} (${check.kind})`,
      spec: { ...flux, ...(imagePullSecret !== undefined ? { imagePullSecret } : {}) },
    };
  });
}

/** Flags override the providerConfig's `flux` fields they name. */
function buildOptions(spec: FluxInstallationSpec, flags: InstallManifestsFlags): FluxInstallOptions {
  return buildFluxInstallOptions({
    ...spec,
    ...(flags.version !== undefined ? { version: flags.version } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.registry !== undefined ? { registry: flags.registry } : {}),
    ...(flags.components !== undefined ? { components: flags.components } : {}),
    ...(flags.componentsExtra !== undefined ? { componentsExtra: flags.componentsExtra } : {}),
    ...(flags.networkPolicy !== undefined ? { networkPolicy: flags.networkPolicy } : {}),
    ...(flags.clusterDomain !== undefined ? { clusterDomain: flags.clusterDomain } : {}),
    ...(flags.logLevel !== undefined ? { logLevel: flags.logLevel } : {}),
    ...(flags.watchAllNamespaces !== undefined ? { watchAllNamespaces: flags.watchAllNamespaces } : {}),
    ...(flags.tolerationKeys !== undefined ? { tolerationKeys: flags.tolerationKeys } : {}),
    ...(flags.imagePullSecret !== undefined ? { imagePullSecret: flags.imagePullSecret } : {}),
  });
}

/**
 * `install-manifests`: print the Flux installation the extension applies to a shoot (like
 * `flux install --export`), for a FluxConfig/Extension/Shoot or for flags alone, so operators can
 * diff it. Exit 1 for an invalid config or options, 2 for unreadable input or no release bundle.
 */
export function buildInstallManifestsCommand(): Command {
  return new Command('install-manifests')
    .description(
      'print the Flux install manifests the extension applies to a shoot (like flux install --export)',
    )
    .option('-f, --filename <file>', 'FluxConfig, Extension or Shoot YAML ("-" for standard input)')
    .option('--version <version>', 'Flux version (overrides flux.version)')
    .option('--namespace <namespace>', 'Flux namespace (overrides flux.namespace)')
    .option('--registry <registry>', 'image registry, "" for the bundle images (overrides flux.registry)')
    .option(
      '--components <list>',
      'components replacing the defaults (comma-separated, repeatable)',
      collectList,
    )
    .option('--components-extra <list>', 'components appended (comma-separated, repeatable)', collectList)
    .addOption(
      new Option('--network-policy [enabled]', 'include the NetworkPolicies (overrides flux.networkPolicy)')
        .argParser(parseBoolFlag)
        .preset(true),
    )
    .option('--cluster-domain <domain>', 'internal cluster domain (overrides flux.clusterDomain)')
    .addOption(
      new Option('--log-level <level>', 'controller log level (overrides flux.logLevel)').choices(
        fluxLogLevels,
      ),
    )
    .addOption(
      new Option(
        '--watch-all-namespaces [enabled]',
        'watch all namespaces, false: only the Flux namespace (overrides flux.watchAllNamespaces)',
      )
        .argParser(parseBoolFlag)
        .preset(true),
    )
    .option(
      '--toleration-keys <list>',
      'toleration keys of the controllers (comma-separated, repeatable; overrides flux.tolerationKeys)',
      collectList,
    )
    .option(
      '--image-pull-secret <name>',
      'secret in the Flux namespace the controllers pull images with (overrides flux.imagePullSecret)',
    )
    .addOption(
      new Option(
        '--flux-manifests-base <location>',
        'release bundle locations, in order (directory or URL; repeatable, comma-separated)',
      )
        .argParser(collect)
        .default([] as string[], 'the GitHub releases'),
    )
    .addOption(
      new Option(
        '--flux-manifests-checksum <version=sha256>',
        "expected sha256 of a version's manifests.tar.gz (repeatable)",
      )
        .argParser(collect)
        .default([] as string[]),
    )
    .option('--cache-dir <dir>', 'cache downloaded bundles in this directory')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
    .exitOverride()
    .action(async (flags: InstallManifestsFlags) => {
      const specs = readInstallationSpecs(flags);
      if (!specs) {
        process.exitCode = 1;
        return;
      }
      let checksums: Record<string, string>;
      try {
        checksums = parseManifestsChecksums(flags.fluxManifestsChecksum);
      } catch (err) {
        process.stderr.write(`error: --flux-manifests-checksum: ${(err as Error).message}\n`);
        process.exitCode = 2;
        return;
      }
      const loader = new FluxBundleLoader({
        bases: parseManifestsBases(flags.fluxManifestsBase),
        checksums,
        ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
      });
      const outputs: { options: FluxInstallOptions; manifests: Manifest[] }[] = [];
      for (const { label, spec } of specs) {
        const options = buildOptions(spec, flags);
        try {
          // Options first: an invalid version must not trigger a download.
          throwIfInvalid(options);
          outputs.push({
            options,
            manifests: renderInstallManifests(await loader.load(options.version), options),
          });
        } catch (err) {
          if (!(err instanceof FluxInstallError)) throw err;
          process.stderr.write(`${label}: error: ${err.message}\n`);
          process.exitCode = 1;
          return;
        }
      }
      if (flags.output === 'json') {
        const items = outputs.flatMap((o) => o.manifests);
        process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
      } else {
        process.stdout.write(outputs.map((o) => renderManifestsYaml(o.manifests, o.options)).join(''));
      }
      process.exitCode = 0;
    });
}

function throwIfInvalid(options: FluxInstallOptions): void {
  const invalid = validateFluxInstallOptions(options);
  if (invalid) throw invalid;
}
