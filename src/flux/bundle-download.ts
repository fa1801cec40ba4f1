import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../log/logger.js';
import { redactUrl } from '../log/redact-url.js';
import { manifestsTarballName } from './bundle-locations.js';
import { parseChecksumFile, verifyTarball } from './bundle-verification.js';

/** A failed HTTP download, naming the URL (credentials masked) and the status. */
export class BundleDownloadError extends Error {
  override readonly name = 'BundleDownloadError';
  constructor(
    readonly url: string,
    readonly status: number | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** How bundles are downloaded. */
export interface BundleDownloadOptions {
  /** The configured checksum of the version (throws when it is malformed). */
  readonly expectedChecksum: () => string | undefined;
  /** Timeout of one download attempt. Default 60 s (as flux's own). */
  readonly timeoutMs?: number;
  /** Retries of a failed download (network errors, 5xx, 408, 429). Default 3. */
  readonly retries?: number;
  /** First retry delay, doubled per retry. Default 1 s. */
  readonly minRetryDelayMs?: number;
  /** Largest tarball accepted. */
  readonly maxBytes: number;
  readonly logger: Logger;
}

/** GETs a URL with a timeout per attempt and retries with backoff; `undefined` for 404 when allowed. */
async function fetchBytes(
  url: string,
  allowMissing: boolean,
  options: BundleDownloadOptions,
): Promise<Buffer | undefined> {
  const shown = redactUrl(url);
  return pRetry(
    async () => {
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
      } catch (err) {
        const reason =
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : '';
        throw new BundleDownloadError(shown, undefined, `GET ${shown}: ${reason}`, { cause: err });
      }
      if (allowMissing && (response.status === 404 || response.status === 410)) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const error = new BundleDownloadError(
          shown,
          response.status,
          `GET ${shown}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
        );
        const transient = response.status >= 500 || response.status === 408 || response.status === 429;
        if (!transient) throw new AbortError(error);
        throw error;
      }
      const length = Number(response.headers.get('content-length') ?? '0');
      if (length > options.maxBytes) {
        await response.body?.cancel();
        throw new AbortError(
          new BundleDownloadError(shown, response.status, `GET ${shown}: ${length} bytes is too large`),
        );
      }
      const body = Buffer.from(await response.arrayBuffer());
      if (body.length > options.maxBytes) {
        throw new AbortError(
          new BundleDownloadError(shown, response.status, `GET ${shown}: response too large`),
        );
      }
      return body;
    },
    {
      retries: options.retries ?? 3,
      minTimeout: options.minRetryDelayMs ?? 1_000,
      factor: 2,
      randomize: true,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        options.logger.warn('Download of Flux release bundle failed', {
          url: shown,
          attempt: attemptNumber,
          retriesLeft,
          error: error.message,
        });
      },
    },
  );
}

/**
 * Downloads `<prefix>/<version>/manifests.tar.gz` and verifies it against the configured
 * checksum, else the published `manifests.tar.gz.sha256` when the location has one.
 */
export async function downloadBundleTarball(
  prefix: string,
  version: string,
  options: BundleDownloadOptions,
): Promise<{ tarball: Buffer; url: string }> {
  const url = `${prefix}/${version}/${manifestsTarballName}`;
  let expected = options.expectedChecksum();
  if (expected === undefined) {
    const published = await fetchBytes(`${url}.sha256`, true, options);
    if (published) expected = parseChecksumFile(published.toString('utf8'), `${redactUrl(url)}.sha256`);
  }
  const tarball = await fetchBytes(url, false, options);
  if (!tarball) throw new Error(`GET ${redactUrl(url)}: not found`);
  verifyTarball(tarball, expected, redactUrl(url));
  return { tarball, url };
}
