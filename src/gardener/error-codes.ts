import { errorCodes, type ErrorCode } from './constants.js';

/** What the rules look at: a request error's HTTP status (when a response came) and its message. */
export interface ErrorFacts {
  statusCode?: number;
  message: string;
}

/**
 * Gardener's `DetermineErrorCodes` rules as they apply to a controller that talks only to
 * Kubernetes API servers: codes an error does not carry yet are derived from what it says.
 *
 * - A webhook in the shoot that denies or fails our writes is the shoot owner's to fix and breaks
 *   Kubernetes' best practices for webhooks: `ERR_PROBLEMATIC_WEBHOOK` (Gardener's care controller
 *   uses the same code for such webhooks).
 * - 401 from an API server: `ERR_INFRA_UNAUTHENTICATED`; 403: `ERR_INFRA_UNAUTHORIZED`. The
 *   access secrets are Gardener's own, so these mean a revoked or not yet issued token or an RBAC
 *   change in the shoot.
 * - 429: `ERR_INFRA_RATE_LIMITS_EXCEEDED`.
 *
 * Gardener classifies the webhook and the auth codes as non-retryable for the Shoot's own
 * reconciliation, so each rule needs a strong signal: a status code, or the exact phrases the
 * API server writes for webhook failures.
 */
const rules: readonly { code: ErrorCode; matches: (facts: ErrorFacts) => boolean }[] = [
  {
    code: errorCodes.problematicWebhook,
    matches: ({ message }) =>
      /admission webhook "[^"]*" denied the request|failed calling webhook|failed to call webhook/i.test(
        message,
      ),
  },
  { code: errorCodes.infraUnauthenticated, matches: ({ statusCode }) => statusCode === 401 },
  { code: errorCodes.infraUnauthorized, matches: ({ statusCode }) => statusCode === 403 },
  { code: errorCodes.infraRateLimitsExceeded, matches: ({ statusCode }) => statusCode === 429 },
];

/** The codes the rules derive from `facts`, in rule order, without the ones in `known`. */
export function determineErrorCodes(facts: ErrorFacts, known: readonly ErrorCode[] = []): ErrorCode[] {
  return rules.filter((rule) => !known.includes(rule.code) && rule.matches(facts)).map((rule) => rule.code);
}
