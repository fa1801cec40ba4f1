import {
  HttpMethod,
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
} from '@kubernetes/client-node';
import type { KubeRequestObserver } from './kubeconfig.js';
import { KubernetesApiError, decodeStatusBody, describeHttpFailure, wrapKubernetesError } from './errors.js';

/** One request to the Kubernetes API with a raw JSON body. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute API path, e.g. `/api/v1/namespaces/x/configmaps/y` or `/apis/apps/v1/...`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** Default `application/json`; e.g. a `PartialObjectMetadata` media type to leave out the data. */
  accept?: string;
  signal?: AbortSignal;
  /** How errors name the request: verb and object, e.g. `apply`, `Deployment ns/name`. */
  verb: string;
  object: string;
}

/**
 * Raw JSON requests to any API path with a KubeConfig's server and credentials. Bodies and
 * responses pass untouched: client-node's typed models drop fields they do not know (CRD schema
 * extensions, unknown fields), and CustomObjectsApi only reaches `/apis/…`, not the core group
 * (`/api/v1`: Namespace, ServiceAccount, Service, Secret, ConfigMap). One route serves all kinds.
 */
export class KubeRawClient {
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly server: string;

  constructor(
    readonly kubeConfig: KubeConfig,
    private readonly listener?: KubeRequestObserver,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  /** Sends a request; resolves with status and parsed JSON body, throws KubernetesApiError for non-2xx. */
  async request(request: KubeRequest): Promise<{ status: number; body: unknown }> {
    const url = new URL(`${this.server}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const context = new RequestContext(url.toString(), HttpMethod[request.method]);
    context.setHeaderParam('Accept', request.accept ?? 'application/json');
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      context.setBody(JSON.stringify(request.body));
    }
    if (request.signal) context.setSignal(request.signal);
    let status: number;
    let text: string;
    try {
      await this.kubeConfig.applySecurityAuthentication(context);
      const response = await this.http.send(context).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (err) {
      this.listener?.(request.verb, 'error');
      throw wrapKubernetesError(err, request.verb, request.object);
    }
    this.listener?.(request.verb, String(status));
    if (status < 200 || status > 299) {
      const statusBody = decodeStatusBody(text);
      throw new KubernetesApiError(
        request.verb,
        request.object,
        status,
        statusBody.reason,
        describeHttpFailure(status, statusBody),
      );
    }
    return { status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }
}
