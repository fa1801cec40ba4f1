import { Command, Option } from 'commander';
import { parseManifestsBases } from '../../flux/bundle-locations.js';
import { parseManifestsChecksums } from '../../flux/bundle-verification.js';
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
import { parseBoolFlag } from '../run-flags.js';
import type { CliContext } from '../cli-io.js';
import { buildFilenameOption } from '../config-input.js';
import { addHelpSections } from '../help-text.js';
import { buildOutputOption } from '../output-format.js';
import { readEveryProviderConfig } from '../provider-configs.js';
import { renderTextLines } from '../text-output.js';
import { checkProviderConfig, formatCheckLines } from './validate.js';

interface InstallManifestsFlags {
  filename?: string[];
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

/**
 * The `flux` sections to render: each providerConfig's in `-f`, or none (flags and defaults
 * only); undefined, with the exit code set, when the input is unreadable (2) or invalid (1).
 */
async function readInstallationSpecs(
  flags: InstallManifestsFlags,
  context: CliContext,
): Promise<{ label: string; spec: FluxInstallationSpec }[] | undefined> {
  if (flags.filename === undefined) return [{ label: 'flags', spec: {} }];
  const inputs = await readEveryProviderConfig(flags.filename, context);
  if (inputs === undefined) return undefined;
  const checks = inputs.map(checkProviderConfig);
  context.io.stderr.write(renderTextLines(checks.flatMap(formatCheckLines)));
  if (!checks.every((check) => check.valid)) {
    context.exitCode = 1;
    return undefined;
  }
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
export function buildInstallManifestsCommand(context: CliContext): Command {
  const command = new Command('install-manifests')
    .description(
      'print the Flux install manifests the extension applies to a shoot (like flux install --export)',
    )
    .addOption(buildFilenameOption('FluxConfig, Extension or Shoot documents whose flux sections to render'))
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
        .default([] as string[], 'none'),
    )
    .option('--cache-dir <dir>', 'cache downloaded bundles in this directory')
    .addOption(buildOutputOption(['yaml', 'json'], 'yaml'))
    .action(async (flags: InstallManifestsFlags) => {
      const { io } = context;
      const specs = await readInstallationSpecs(flags, context);
      if (!specs) return;
      let checksums: Record<string, string>;
      try {
        checksums = parseManifestsChecksums(flags.fluxManifestsChecksum);
      } catch (err) {
        io.stderr.write(renderTextLines([`error: --flux-manifests-checksum: ${(err as Error).message}`]));
        context.exitCode = 2;
        return;
      }
      // The bundle loader and the renderer load when this command runs, not with every command.
      const [{ FluxBundleError, FluxBundleLoader }, { renderInstallManifests }, { renderManifestsYaml }] =
        await Promise.all([
          import('../../flux/bundle-loader.js'),
          import('../../flux/install/render.js'),
          import('../../flux/install/yaml.js'),
        ]);
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
          if (err instanceof FluxBundleError) {
            // One line per location tried; the locations come from the operator's flags.
            io.stderr.write(renderTextLines(`error: ${err.message}`.split('\n')));
            context.exitCode = 2;
            return;
          }
          if (!(err instanceof FluxInstallError)) throw err;
          io.stderr.write(renderTextLines([`${label}: error: ${err.message}`]));
          context.exitCode = 1;
          return;
        }
      }
      if (flags.output === 'json') {
        const items = outputs.flatMap((o) => o.manifests);
        io.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`);
      } else {
        io.stdout.write(outputs.map((o) => renderManifestsYaml(o.manifests, o.options)).join(''));
      }
      context.exitCode = 0;
    });
  return addHelpSections(
    command,
    [
      [
        'The default installation, from a local release bundle (DIR/v2.9.2/)',
        'gardener-extension-shoot-flux install-manifests --flux-manifests-base DIR',
      ],
      [
        "A Shoot's flux section, with one more component",
        'gardener-extension-shoot-flux install-manifests -f shoot.yaml --components-extra image-reflector-controller',
      ],
      [
        'Compare with Flux itself',
        'diff <(gardener-extension-shoot-flux install-manifests --version v2.9.2) <(flux install --export --version v2.9.2)',
      ],
    ],
    [
      [0, 'the manifests were printed'],
      [1, 'a providerConfig, flag value or component is invalid (each error is printed)'],
      [2, 'usage error, unreadable input, or no location has the release bundle'],
    ],
  );
}

function throwIfInvalid(options: FluxInstallOptions): void {
  const invalid = validateFluxInstallOptions(options);
  if (invalid) throw invalid;
}
