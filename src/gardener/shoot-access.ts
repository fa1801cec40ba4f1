import yaml from 'js-yaml';
import { truncateText } from '../log/truncate.js';
import { isRecord } from '../api/is-record.js';

/** Which shoot access secret to use (env `GARDENER_SHOOT_CLIENT`). */
export type ShootClientMode = 'internal' | 'external';

/**
 * Secrets in the shoot's seed namespace that hold a kubeconfig for the shoot, in lookup order:
 * `gardener-internal` (in-cluster API server address) falls back to `gardener`; `external` uses
 * only `gardener`. Their tokens are rotated by gardener-resource-manager, so they are re-read on
 * every reconcile.
 */
export function shootAccessSecretNames(mode: ShootClientMode): readonly string[] {
  return mode === 'external' ? ['gardener'] : ['gardener-internal', 'gardener'];
}

/** The data key of the kubeconfig in a shoot access secret. */
export const shootAccessKubeconfigKey = 'kubeconfig';

/** The parts of a kubeconfig a shoot client is built from. */
export interface ShootKubeconfig {
  server: string;
  caData?: string;
  insecureSkipTLSVerify?: boolean;
  user: {
    token?: string;
    clientCertificateData?: string;
    clientKeyData?: string;
    username?: string;
    password?: string;
  };
}

const allowedUserFields = ['token', 'client-certificate-data', 'client-key-data', 'username', 'password'];

/** A shoot access secret holds one small kubeconfig; anything far larger is not one. */
const maxKubeconfigBytes = 1024 * 1024;

type Decoded<T> = { value: T; error?: undefined } | { error: string };

/** A name from the kubeconfig as messages show it: quoted, control characters escaped, bounded. */
function quote(name: string): string {
  return JSON.stringify(truncateText(name, 128));
}

/**
 * The `<entryKey>` mapping of the entry called `name` in the kubeconfig list `listKey`
 * (`contexts[].context`, `clusters[].cluster`, `users[].user`); undefined if there is none. Every
 * shape is checked, so a list that is a number or an entry that is null gives a message, not a
 * TypeError.
 */
function findNamed(
  raw: Record<string, unknown>,
  listKey: 'clusters' | 'users' | 'contexts',
  entryKey: 'cluster' | 'user' | 'context',
  name: string,
): Decoded<Record<string, unknown> | undefined> {
  const list = raw[listKey];
  if (list === undefined || list === null) return { value: undefined };
  if (!Array.isArray(list)) return { error: `kubeconfig ${listKey} must be a list` };
  for (const [index, item] of list.entries()) {
    if (!isRecord(item)) return { error: `kubeconfig ${listKey}[${index}] must be a mapping` };
    if (item.name !== name) continue;
    const inner = item[entryKey];
    if (inner === undefined || inner === null) return { value: {} };
    if (!isRecord(inner)) return { error: `kubeconfig ${listKey}[${index}].${entryKey} must be a mapping` };
    return { value: inner };
  }
  return { value: undefined };
}

/** A string field that may be absent (undefined or empty); any other type is an error naming the field. */
function optionalString(
  source: Record<string, unknown>,
  key: string,
  where: string,
): Decoded<string | undefined> {
  const value = source[key];
  if (value === undefined || value === null || value === '') return { value: undefined };
  if (typeof value !== 'string') return { error: `${where} field "${key}" must be a string` };
  return { value };
}

// Visible ASCII only: what an HTTP header value may carry without quoting, and all a bearer token
// (RFC 6750) or a service-account JWT consists of.
const visibleAscii = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const controlCharacters = /[\x00-\x1f\x7f]/;
const base64Text = /^[A-Za-z0-9+/=\s]+$/;

/**
 * The credentials of the kubeconfig user, checked so that none can break (or inject into) a
 * request header. Surrounding whitespace is trimmed, as client-go does for token files: a trailing
 * newline is the usual copy-paste result. A token, username or password that still holds
 * whitespace or control characters is refused; messages never contain the value.
 */
function decodeCredentials(user: Record<string, unknown>, where: string): Decoded<ShootKubeconfig['user']> {
  const fields: Record<string, string | undefined> = {};
  for (const key of allowedUserFields) {
    const field = optionalString(user, key, where);
    if (field.error !== undefined) return field;
    fields[key] = field.value?.trim() === '' ? undefined : field.value?.trim();
  }
  const token = fields.token;
  if (token !== undefined && !visibleAscii.test(token)) {
    return { error: `${where} has a token with whitespace, control or non-ASCII characters inside` };
  }
  const username = fields.username;
  if (username !== undefined && (!visibleAscii.test(username) || username.includes(':'))) {
    return { error: `${where} has a username with whitespace, control characters or ":" inside` };
  }
  // Basic auth base64-encodes the password, so inner spaces are legal; control characters are not.
  const password = fields.password;
  if (password !== undefined && controlCharacters.test(password)) {
    return { error: `${where} has a password with control characters inside` };
  }
  for (const key of ['client-certificate-data', 'client-key-data']) {
    const value = fields[key];
    if (value !== undefined && !base64Text.test(value))
      return { error: `${where} field "${key}" is not base64` };
  }
  return {
    value: {
      token,
      clientCertificateData: fields['client-certificate-data'],
      clientKeyData: fields['client-key-data'],
      username,
      password,
    },
  };
}

/** The cluster of the current context: server URL, CA and TLS verification. */
function decodeCluster(
  cluster: Record<string, unknown> | undefined,
  name: string,
): Decoded<Omit<ShootKubeconfig, 'user'>> {
  const where = `kubeconfig cluster ${quote(name)}`;
  const server = optionalString(cluster ?? {}, 'server', where);
  if (server.error !== undefined) return server;
  if (server.value === undefined) return { error: `${where} has no server` };
  const text = server.value.trim();
  let url: URL | undefined;
  try {
    url = visibleAscii.test(text) ? new URL(text) : undefined;
  } catch {
    url = undefined;
  }
  // The URL itself is not echoed: a server address may carry userinfo.
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    return { error: `${where} has a server that is no http(s) URL` };
  }
  const caData = optionalString(cluster ?? {}, 'certificate-authority-data', where);
  if (caData.error !== undefined) return caData;
  if (caData.value !== undefined && !base64Text.test(caData.value)) {
    return { error: `${where} field "certificate-authority-data" is not base64` };
  }
  const insecure = cluster?.['insecure-skip-tls-verify'];
  if (insecure !== undefined && insecure !== null && typeof insecure !== 'boolean') {
    return { error: `${where} field "insecure-skip-tls-verify" must be a boolean` };
  }
  return { value: { server: text, caData: caData.value, insecureSkipTLSVerify: insecure === true } };
}

/** The cluster and user names of the current context. */
function decodeCurrentContext(
  raw: Record<string, unknown>,
): Decoded<{ clusterName: string; userName: string }> {
  const contextName = raw['current-context'];
  if (contextName !== undefined && contextName !== null && typeof contextName !== 'string') {
    return { error: 'kubeconfig current-context must be a string' };
  }
  const context = contextName ? findNamed(raw, 'contexts', 'context', contextName) : { value: undefined };
  if (context.error !== undefined) return context;
  if (!context.value || !contextName) {
    return { error: `kubeconfig has no current context${contextName ? ` ${quote(contextName)}` : ''}` };
  }
  const where = `kubeconfig context ${quote(contextName)}`;
  const clusterName = optionalString(context.value, 'cluster', where);
  if (clusterName.error !== undefined) return clusterName;
  const userName = optionalString(context.value, 'user', where);
  if (userName.error !== undefined) return userName;
  return { value: { clusterName: clusterName.value ?? '', userName: userName.value ?? '' } };
}

function loadYaml(text: string): Decoded<Record<string, unknown>> {
  if (text.length > maxKubeconfigBytes) return { error: 'kubeconfig is larger than 1 MiB' };
  let raw: unknown;
  try {
    raw = yaml.load(text);
  } catch (err) {
    // js-yaml's message quotes the text around the problem, which may be a credential: the line only.
    const line = (err as { mark?: { line?: unknown } }).mark?.line;
    return { error: `kubeconfig is not valid YAML${typeof line === 'number' ? ` (line ${line + 1})` : ''}` };
  }
  if (raw === undefined || raw === null) return { value: {} };
  if (!isRecord(raw)) return { error: 'kubeconfig must be a mapping' };
  return { value: raw };
}

/**
 * Decodes the kubeconfig of a shoot access secret. Like Gardener, only token, client-certificate
 * and basic auth are accepted: exec plugins, auth providers, impersonation and file references
 * would run or read things on the seed. Total over any text: every shape is checked and every
 * problem is a message naming where it is. Errors never contain credential values.
 */
export function decodeShootKubeconfig(text: string): { kubeconfig: ShootKubeconfig } | { error: string } {
  const loaded = loadYaml(text);
  if (loaded.error !== undefined) return loaded;
  const raw = loaded.value;
  const context = decodeCurrentContext(raw);
  if (context.error !== undefined) return context;
  const { clusterName, userName } = context.value;

  const clusterEntry = findNamed(raw, 'clusters', 'cluster', clusterName);
  if (clusterEntry.error !== undefined) return clusterEntry;
  const cluster = decodeCluster(clusterEntry.value, clusterName);
  if (cluster.error !== undefined) return cluster;

  const where = `kubeconfig user ${quote(userName)}`;
  const userEntry = findNamed(raw, 'users', 'user', userName);
  if (userEntry.error !== undefined) return userEntry;
  const user = userEntry.value ?? {};
  const forbidden = Object.keys(user).filter((key) => !allowedUserFields.includes(key));
  if (forbidden.length > 0) {
    const shown = forbidden.slice(0, 10).map(quote).join(', ');
    return { error: `${where} uses unsupported fields ${shown}; supported: ${allowedUserFields.join(', ')}` };
  }
  const credentials = decodeCredentials(user, where);
  if (credentials.error !== undefined) return credentials;
  const shootUser = credentials.value;
  if (!shootUser.token && !shootUser.clientCertificateData && !shootUser.username) {
    return { error: `${where} has no credentials (the token may not be issued yet)` };
  }
  if (!shootUser.clientCertificateData !== !shootUser.clientKeyData) {
    return { error: `${where} needs both client-certificate-data and client-key-data` };
  }
  return { kubeconfig: { ...cluster.value, user: shootUser } };
}
