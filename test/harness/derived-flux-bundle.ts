// A made-up later Flux release for upgrade tests and benches: the current release's bundle with
// every controller image tag renamed and the version replaced. An upgrade to it changes what an
// upgrade changes in the Flux namespace (the controllers roll out), while the cluster-wide CRDs,
// which other tests on the same API server use, stay identical.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findFluxBundleDir } from './testdata.js';

/**
 * Writes `<base>/<version>/` (a `--flux-manifests-base` layout): the files of release `from`
 * with each `image: fluxcd/<name>:<tag>` turned into `<tag>-<tagSuffix>` and `from` into `version`.
 */
export async function writeDerivedFluxBundle(
  base: string,
  from: string,
  version: string,
  tagSuffix: string,
): Promise<void> {
  const source = findFluxBundleDir(from);
  const dir = path.join(base, version);
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(source)) {
    if (!name.endsWith('.yaml')) continue;
    const text = await readFile(path.join(source, name), 'utf8');
    await writeFile(
      path.join(dir, name),
      text
        .replaceAll(/(image: fluxcd\/[a-z-]+:v\d+\.\d+\.\d+)/g, `$1-${tagSuffix}`)
        .replaceAll(from, version),
    );
  }
}
