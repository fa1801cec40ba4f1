import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FluxReleaseBundle } from '../../../../src/flux/install/bundle.js';
import { findFluxBundleDir } from '../../../harness/testdata.js';

/** The real Flux v2.9.2 release bundle as the harness finds it (cache, shared test data; never in the repo). */
export function readReleaseBundle(): FluxReleaseBundle {
  const dir = findFluxBundleDir();
  const files = Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
  return { version: 'v2.9.2', files, source: dir };
}

/** A copy of a bundle with files replaced or removed (`undefined`). */
export function withFiles(
  bundle: FluxReleaseBundle,
  changes: Record<string, string | undefined>,
): FluxReleaseBundle {
  const merged = Object.entries({ ...bundle.files, ...changes });
  const files = Object.fromEntries(
    merged.filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { ...bundle, files };
}
