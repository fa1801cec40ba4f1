import { createHash, X509Certificate } from 'node:crypto';
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../log/logger.js';

/** File names in the certificate directory (Kubernetes' `kubernetes.io/tls` Secret keys). */
export const certificateFileName = 'tls.crt';
export const keyFileName = 'tls.key';

/** A serving certificate and key as read from the certificate directory. */
export interface ServingCertificate {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate, for logs. */
  fingerprint: string;
  /** End of the leaf certificate's validity, for logs. */
  validTo: string;
}

/**
 * Reads `tls.crt` and `tls.key` from the directory and checks they form a usable pair; throws
 * with the file and the reason otherwise.
 */
export function readServingCertificate(certDir: string): ServingCertificate {
  const read = (name: string) => {
    try {
      return readFileSync(path.join(certDir, name));
    } catch (err) {
      throw new Error(`cannot read ${path.join(certDir, name)}: ${(err as Error).message}`, { cause: err });
    }
  };
  const cert = read(certificateFileName);
  const key = read(keyFileName);
  try {
    // Fails on a malformed file and on a key that does not belong to the certificate.
    createSecureContext({ cert, key });
    const leaf = new X509Certificate(cert);
    return { cert, key, fingerprint: leaf.fingerprint256, validTo: leaf.validTo };
  } catch (err) {
    throw new Error(`invalid serving certificate in ${certDir}: ${(err as Error).message}`, { cause: err });
  }
}

function digest(...parts: Buffer[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** Options of {@link CertificateReloader}. */
export interface CertificateReloaderOptions {
  certDir: string;
  logger: Logger;
  /** Called with every new, valid pair (not with the initial one). */
  onReload: (certificate: ServingCertificate) => void;
  /** Polled as well as watched: watches miss events on some volumes. Default 10 s. */
  pollIntervalMs?: number;
  /** Counts reloads by result. */
  observe?: (result: 'success' | 'error') => void;
}

/**
 * Keeps the serving certificate current without a restart: watches the certificate directory
 * (a mounted Secret is updated by an atomic swap of its `..data` link) and polls it, and hands
 * every new valid pair to `onReload`. A half-written or mismatched pair is logged once and
 * skipped; the current certificate stays in use until a valid one appears.
 */
export class CertificateReloader {
  private current: string;
  private lastFailure: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: CertificateReloaderOptions,
    initial: ServingCertificate,
  ) {
    this.current = digest(initial.cert, initial.key);
  }

  /** Starts watching and polling. */
  start(): void {
    try {
      this.watcher = watch(this.options.certDir, () => {
        // A rotation writes several files; look once they are all there.
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.check(), 100);
      });
      this.watcher.on('error', (err) => {
        this.options.logger.debug('Certificate directory watch failed, polling only', { error: err.message });
      });
    } catch (err) {
      this.options.logger.debug('Cannot watch the certificate directory, polling only', {
        error: (err as Error).message,
      });
    }
    this.timer = setInterval(() => this.check(), this.options.pollIntervalMs ?? 10_000);
    this.timer.unref();
  }

  /** Stops watching and polling. */
  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  /** Reads the directory once; returns whether a new certificate was taken into use. */
  check(): boolean {
    const { certDir, logger, onReload, observe } = this.options;
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(path.join(certDir, certificateFileName));
      key = readFileSync(path.join(certDir, keyFileName));
    } catch (err) {
      this.fail('files', err);
      return false;
    }
    const contents = digest(cert, key);
    if (contents === this.current) return false;
    let certificate: ServingCertificate;
    try {
      certificate = readServingCertificate(certDir);
    } catch (err) {
      this.fail(contents, err);
      return false;
    }
    // Compare what was validated: the files may have changed again between the two reads.
    this.current = digest(certificate.cert, certificate.key);
    this.lastFailure = undefined;
    onReload(certificate);
    observe?.('success');
    logger.info('Reloaded webhook serving certificate', {
      fingerprint: certificate.fingerprint,
      validTo: certificate.validTo,
    });
    return true;
  }

  private fail(what: string, err: unknown): void {
    if (this.lastFailure === what) return;
    this.lastFailure = what;
    this.options.observe?.('error');
    this.options.logger.warn('Cannot load the rotated webhook certificate, keeping the current one', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
