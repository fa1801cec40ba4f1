/** What replaces credentials inside a URL. */
export const urlCredentialMask = '***';

// Quotes and angle brackets end a URL as whitespace does (URLs quoted in JSON, YAML or prose).
const wordSeparators = /([\s"'<>`]+)/;

/** Query parameters whose values are credentials (`?token=`, `&X-Amz-Signature=`, `?password=`…). */
const secretParamPattern =
  /token|passw|pwd|secret|signature|credential|auth|api[-_]?key|access[-_]?key|private[-_]?key|session/i;
const secretParamNames = new Set(['sig', 'key', 'code']);

function isSecretParam(name: string): boolean {
  return secretParamPattern.test(name) || secretParamNames.has(name.toLowerCase());
}

function redactQuery(word: string): string {
  if (!word.includes('=')) return word;
  return word.replace(/([?&;])([^=&#?;]+)=([^&#;]*)/g, (match, separator: string, name: string) =>
    isSecretParam(name) ? `${separator}${name}=${urlCredentialMask}` : match,
  );
}

/**
 * The userinfo of one URL's authority, `segment` being what follows `://`. The authority ends at
 * the first `/`, `?` or `#`, and its userinfo at the LAST `@` in it (a password may contain `@`:
 * `ftp://u:p@ss@host`). A colon followed by something that is no port (`u:pa/ss@host`) means the
 * password holds an unescaped `/`, `?` or `#`: then the userinfo ends at the last `@` of the URL.
 */
function redactAuthority(segment: string): string {
  const end = segment.search(/[/?#]/);
  const authorityEnd = end < 0 ? segment.length : end;
  const authority = segment.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at < 0 && !authority.startsWith('[')) {
    const colon = authority.indexOf(':');
    const lastAt = segment.lastIndexOf('@');
    if (colon >= 0 && lastAt > authorityEnd && !/^\d+$/.test(authority.slice(colon + 1))) at = lastAt;
  }
  return at < 0 ? segment : `${urlCredentialMask}${segment.slice(at)}`;
}

/** Start of the URL scheme that ends at `schemeEnd` (the index of `://`), scanning back over scheme characters. */
function schemeStart(word: string, schemeEnd: number): number {
  let start = schemeEnd;
  while (start > 0 && /[a-zA-Z0-9+.-]/.test(word.charAt(start - 1))) start -= 1;
  return start;
}

/**
 * `user:token@host` without a scheme: the userinfo starts after the last separator before the
 * first colon and ends at the last `@`. A plain `git@host:org/repo` (no colon before the `@`)
 * and an image reference with a digest carry no secret and stay.
 */
function redactSchemeless(word: string): string {
  const at = word.lastIndexOf('@');
  const colon = word.indexOf(':');
  if (at < 0 || colon < 0 || colon > at) return word;
  let userStart = 0;
  for (let i = colon - 1; i >= 0; i -= 1) {
    if ('=,;([{'.includes(word.charAt(i))) {
      userStart = i + 1;
      break;
    }
  }
  // An image reference (`repo/app:v1@sha256:…`, `nginx:1.25@sha256:…`) is no userinfo: a user
  // name holds no `/`, and a digest follows the `@`.
  const user = word.slice(userStart, colon);
  if (user === '' || user.includes('/') || colon + 1 === at || /^sha\d+:/.test(word.slice(at + 1))) {
    return word;
  }
  return `${word.slice(0, userStart)}${urlCredentialMask}${word.slice(at)}`;
}

function redactUserinfo(word: string): string {
  const parts: string[] = [];
  let position = 0;
  // Positions, not slices of the rest: a word of many `a://a://…` stays linear.
  for (;;) {
    const schemeEnd = word.indexOf('://', position);
    if (schemeEnd < 0) {
      parts.push(redactSchemeless(word.slice(position)));
      return parts.join('');
    }
    const authorityStart = schemeEnd + 3;
    const next = word.indexOf('://', authorityStart);
    const limit = next < 0 ? word.length : Math.max(authorityStart, schemeStart(word, next));
    parts.push(word.slice(position, authorityStart), redactAuthority(word.slice(authorityStart, limit)));
    position = limit;
    if (position >= word.length) return parts.join('');
  }
}

function redactWord(word: string): string {
  if (!word.includes('@') && !word.includes('=')) return word;
  return redactQuery(redactUserinfo(word));
}

/**
 * The one rule for credentials in URLs, applied to any text (a URL alone, an error message, a log
 * value): the userinfo of `scheme://user:pass@host` (up to the last `@` of the authority, so
 * `ftp://u:p@ss@host` is caught), `user:token@host` without a scheme, and the values of query
 * parameters named like credentials (`?token=`, `&password=`, `X-Amz-Signature=`) become `***`.
 * Errs on the side of masking: a path segment that looks like userinfo is masked too. Linear in
 * the text's length, so it is safe on any input size. Pure and dependency-free, so every layer
 * (API validation included) uses this same rule.
 */
export function redactUrl(text: string): string {
  if (!text.includes('@') && !text.includes('=')) return text;
  return text
    .split(wordSeparators)
    .map((part, index) => (index % 2 === 1 ? part : redactWord(part)))
    .join('');
}
