// One raw JSON request to a test API server, answering with status, parsed body and the
// Warning headers, which client-node does not expose.
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** The answer of an API request. */
export interface ApiResponse {
  status: number;
  body: unknown;
  /** The texts of the response's `Warning: 299 - "…"` headers, in order. */
  warnings: string[];
}

/** The text of one `Warning` header value (RFC 7234 warn-text, as the API server writes it). */
function warningText(value: string): string {
  const match = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(value);
  return match?.[1] ? match[1].replace(/\\(.)/g, '$1') : value;
}

/** Sends a request with the kubeconfig's server and credentials. */
export async function sendApiRequest(
  kubeConfig: KubeConfig,
  request: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: string;
    query?: Record<string, string>;
    body?: unknown;
    contentType?: string;
  },
): Promise<ApiResponse> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const url = new URL(`${cluster.server}${request.path}`);
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  const options: https.RequestOptions = {
    method: request.method,
    headers: { 'Content-Type': request.contentType ?? 'application/json', Accept: 'application/json' },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const outgoing = https.request(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the failure message
        }
        const warnings: string[] = [];
        for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
          if (response.rawHeaders[i]?.toLowerCase() === 'warning')
            warnings.push(warningText(response.rawHeaders[i + 1] ?? ''));
        }
        resolve({ status: response.statusCode ?? 0, body: parsed, warnings });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(request.body === undefined ? undefined : JSON.stringify(request.body));
  });
}
