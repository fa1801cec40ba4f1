// Kubernetes name rules (apimachinery `validation.IsDNS1123Label/Subdomain`) and Flux's duration
// format, with Kubernetes' messages, so users see the wording they know from kubectl.

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123Label = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainFmt}$`);

/** The Flux CRDs' duration pattern (`interval`, `timeout`): `1m`, `1h30m`, `90s`, `1.5h`. */
export const fluxDurationPattern = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;

/** Problems with `value` as an RFC 1123 label (a namespace name); empty when valid. */
export function validateDns1123Label(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push('must be no more than 63 characters');
  if (!dns1123Label.test(value)) {
    problems.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start " +
        `and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${dns1123LabelFmt}')`,
    );
  }
  return problems;
}

/** Problems with `value` as an RFC 1123 subdomain (an object name); empty when valid. */
export function validateDns1123Subdomain(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push('must be no more than 253 characters');
  if (!dns1123Subdomain.test(value)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
        `start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${dns1123SubdomainFmt}')`,
    );
  }
  return problems;
}

/** Problems with `value` as a Flux duration; empty when valid. */
export function validateFluxDuration(value: string): string[] {
  return fluxDurationPattern.test(value)
    ? []
    : [`must be a duration such as 1m, 1h30m or 90s (pattern ${fluxDurationPattern.source})`];
}
