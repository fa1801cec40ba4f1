import type { LandscapeFluxPolicy } from '../api/landscape-policy.js';
import type { Logger } from '../log/logger.js';
import { buildAdmissionReviewResponse, decodeAdmissionReview, type Status } from './admission-review.js';
import { buildFailureStatus } from './admission-status.js';
import type { AdmissionMetrics } from './metrics.js';
import { SecretCheckError, type SecretReader } from './secret-references.js';
import { reviewShoot } from './shoot-review.js';

/** An HTTP answer: status code and JSON body. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** What answering a review needs. */
export interface ReviewHandlerOptions {
  logger: Logger;
  metrics?: AdmissionMetrics;
  secrets?: SecretReader;
  /** The landscape's Flux defaults and enforcement, as the seeds' controllers apply them. */
  landscape?: LandscapeFluxPolicy;
  /** Bound on the garden secret reads of one review; default 5 s, well inside `timeoutSeconds`. */
  secretReadTimeoutMs?: number;
}

function statusAnswer(status: Status): HttpAnswer {
  return { status: status.code, body: { apiVersion: 'v1', kind: 'Status', ...status } };
}

/** Counts every secret read of a reader by its result. */
export function observeSecretReads(reader: SecretReader, metrics: AdmissionMetrics): SecretReader {
  return {
    async secretExists(namespace, name, signal) {
      try {
        const exists = await reader.secretExists(namespace, name, signal);
        metrics.secretReads.inc({ result: exists ? 'found' : 'not_found' });
        return exists;
      } catch (err) {
        metrics.secretReads.inc({ result: 'error' });
        throw err;
      }
    },
  };
}

/**
 * Answers the body of a POST to the Shoot webhook: 200 with an AdmissionReview for every review,
 * allowed or denied; 400 with a Status for a body that is not an `admission.k8s.io/v1`
 * AdmissionReview; 500 when the garden could not be asked about a secret (the webhook's
 * failurePolicy then decides). Never throws.
 */
export async function answerShootReview(text: string, options: ReviewHandlerOptions): Promise<HttpAnswer> {
  const { logger, metrics } = options;
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    logger.info('Refused malformed AdmissionReview', { error: 'request body is not JSON' });
    return statusAnswer(buildFailureStatus(400, 'BadRequest', 'request body is not JSON'));
  }
  const decoded = decodeAdmissionReview(body);
  if ('error' in decoded) {
    logger.info('Refused malformed AdmissionReview', { error: decoded.error });
    return statusAnswer(buildFailureStatus(400, 'BadRequest', decoded.error));
  }
  const { request } = decoded;
  const shoot = { namespace: request.namespace, name: request.name };
  const log = logger.child({ uid: request.uid, operation: request.operation, shoot });
  // A timer only when secrets are read, cleared at once: thousands of reviews a second must not
  // leave thousands of pending timeouts behind.
  const deadline = options.secrets ? new AbortController() : undefined;
  const timer = deadline
    ? setTimeout(() => {
        deadline.abort(new Error('secret reads timed out'));
      }, options.secretReadTimeoutMs ?? 5_000)
    : undefined;
  try {
    const review = await reviewShoot(request, {
      ...(options.secrets ? { secrets: options.secrets } : {}),
      ...(deadline ? { signal: deadline.signal } : {}),
      ...(options.landscape ? { landscape: options.landscape } : {}),
    });
    const warnings = review.response.warnings?.length ?? 0;
    metrics?.reviews.inc({
      operation: request.operation,
      result: review.result,
      warnings: warnings > 0 ? 'true' : 'false',
    });
    if (review.result === 'denied') {
      log.info('Denied Shoot', {
        reason: review.response.status?.reason,
        causes: review.response.status?.details?.causes?.length ?? 0,
        warnings,
      });
    } else {
      log.debug('Admitted Shoot', { ...(review.skipReason ? { skipped: review.skipReason } : {}), warnings });
    }
    return { status: 200, body: buildAdmissionReviewResponse(review.response) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SecretCheckError) {
      log.error('Could not check referenced secrets', { error: message });
      return statusAnswer(buildFailureStatus(500, 'InternalError', message));
    }
    log.error('Review failed', { error: message });
    return statusAnswer(buildFailureStatus(500, 'InternalError', 'the review failed unexpectedly'));
  } finally {
    clearTimeout(timer);
  }
}
