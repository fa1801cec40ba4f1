// Prepares every test asset ahead of time (idempotent): the binaries of the control plane and of
// real Flux, and the CRDs. `npm run test-assets [-- --only kube-apiserver,etcd]`.
import { parseArgs } from 'node:util';
import { assets, cacheDir, resolveAsset, type AssetSpec } from '../test/harness/assets.js';
import { findCrdFiles, findFluxBundleDir } from '../test/harness/testdata.js';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.split(',').map((s) => s.trim());
const selected = Object.values(assets).filter((a: AssetSpec) => !only || only.includes(a.name));

const started = Date.now();
const log = (line: string) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[test-assets ${seconds}s] ${line}\n`);
};

log(`cache: ${cacheDir()}`);
try {
  for (const spec of selected) {
    const began = Date.now();
    const resolved = await resolveAsset(spec, { progress: log });
    log(
      `${spec.name} ${spec.version}: ${resolved.path} (${resolved.origin}, ${((Date.now() - began) / 1000).toFixed(0)}s)`,
    );
  }
  if (!only) {
    for (const set of ['gardener', 'flux'] as const) {
      log(`${set} CRDs: ${(await findCrdFiles(set)).length} files`);
    }
    log(`Flux release bundle: ${findFluxBundleDir()}`);
  }
  log('all test assets ready');
} catch (err) {
  log(`FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
}
