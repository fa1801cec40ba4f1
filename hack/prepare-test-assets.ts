// Prepares every test asset ahead of time (idempotent): the binaries of the control plane, of
// real Flux and of the bundle assembly, the Flux release bundles, and the CRDs.
// `npm run test-assets [-- --only kube-apiserver,etcd] [-- --check]` (`--check`: the checks only).
// It first checks every input the missing pieces need and fails within seconds, naming what is
// missing and how to provide it, before any long build; at the end it prints what each build took.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { assets, cacheDir, resolveAsset, type AssetSpec } from '../test/harness/assets.js';
import { fluxReleases, type FluxReleasePin } from '../test/harness/asset-versions.js';
import { resolveFluxBundle } from '../test/harness/flux-bundles.js';
import { cachedFluxCliPath, resolveFluxCli } from '../test/harness/flux-cli.js';
import { findCrdFiles } from '../test/harness/testdata.js';
import { checkTestAssetInputs } from './test-assets-preflight.js';

const { values } = parseArgs({ options: { only: { type: 'string' }, check: { type: 'boolean' } } });
const only = values.only?.split(',').map((s) => s.trim());
const selected = Object.values(assets).filter((a: AssetSpec) => !only || only.includes(a.name));
// The bundles only on a full run: `--only` prepares binaries.
const bundles: FluxReleasePin[] = only ? [] : Object.values(fluxReleases);

const started = Date.now();
const log = (line: string) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[test-assets ${seconds}s] ${line}\n`);
};
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)}s`;

log(`cache: ${cacheDir()}`);
const { problems, plan } = await checkTestAssetInputs(selected, bundles, {
  systemPackages: !only,
  offline: process.env.SHOOT_FLUX_OFFLINE === 'true',
});
if (problems.length > 0) {
  log(`FAILED before building anything: ${problems.length} input(s) missing`);
  for (const problem of problems) log(`  - ${problem.what}\n      fix: ${problem.fix}`);
  process.exit(1);
}
const todo = [
  ...plan.assets.map((s) => `${s.name} ${s.version}`),
  ...plan.bundles.map((p) => `Flux ${p.version} bundle`),
];
log(`inputs checked in ${seconds(started)}; to prepare: ${todo.length > 0 ? todo.join(', ') : 'nothing'}`);
if (values.check) process.exit(0);

const timings: string[] = [];
try {
  for (const spec of selected) {
    const began = Date.now();
    const resolved = await resolveAsset(spec, { progress: log });
    log(`${spec.name} ${spec.version}: ${resolved.path} (${resolved.origin}, ${seconds(began)})`);
    if (resolved.origin === 'download' || resolved.origin === 'go-build') {
      timings.push(`${spec.name} ${spec.version} ${resolved.origin} ${seconds(began)}`);
    }
  }
  for (const pin of bundles) {
    const began = Date.now();
    const bundle = await resolveFluxBundle(pin, { progress: log });
    const verified = bundle.verified ? 'verified against the pinned digest' : 'no digest pinned';
    log(`Flux ${pin.version} bundle: ${bundle.dir} (${bundle.origin}, ${verified}, ${seconds(began)})`);
    if (bundle.origin === 'download' || bundle.origin === 'assembled') {
      timings.push(`Flux ${pin.version} bundle ${bundle.origin} ${seconds(began)}`);
    }
  }
  if (!only) {
    // The Flux CLI of the current release: the golden tests compare our rendering with its
    // `flux install --export`. Built here, so no test waits minutes for a Go build.
    const version = fluxReleases.current.version;
    const began = Date.now();
    const wasCached = existsSync(cachedFluxCliPath(version));
    const fluxCli = await resolveFluxCli(version, log);
    log(`flux ${version}: ${fluxCli} (${wasCached ? 'cache' : 'go-build'}, ${seconds(began)})`);
    if (!wasCached) timings.push(`flux ${version} go-build ${seconds(began)}`);
    for (const set of ['gardener', 'flux'] as const) {
      log(`${set} CRDs: ${(await findCrdFiles(set)).length} files`);
    }
  }
  log(
    timings.length > 0
      ? `cold builds this run: ${timings.join(', ')}; total ${seconds(started)}`
      : `everything was ready already (${seconds(started)})`,
  );
  log('all test assets ready');
} catch (err) {
  log(`FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
}
