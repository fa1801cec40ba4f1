import { request, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** One answer of the API server: status code and decoded JSON body (undefined when empty). */
interface JsonAnswer {
  status: number;
  body: unknown;
}

/**
 * One JSON request to the API server of `kubeConfig`. The typed clients cannot discover API
 * groups or delete a collection of an arbitrary resource, which is what the namespace
 * controller needs; this raw request can.
 */
async function requestJson(
  kubeConfig: KubeConfig,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonAnswer> {
  const server = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
  const options: RequestOptions = {
    method,
    hostname: server.hostname,
    port: server.port,
    path,
    headers: {
      Accept: 'application/json',
      ...(body === undefined
        ? {}
        : { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
    },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let decoded: unknown;
        try {
          decoded = text === '' ? undefined : JSON.parse(text);
        } catch {
          decoded = text;
        }
        resolve({ status: res.statusCode ?? 0, body: decoded });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** A namespaced resource the API server serves, as discovery lists it. */
interface NamespacedResource {
  /** `/api/v1` or `/apis/<group>/<version>` */
  prefix: string;
  plural: string;
}

interface ResourceList {
  resources?: { name: string; namespaced: boolean; verbs: string[] }[];
}

/** Every namespaced resource (preferred version of each group) that can be listed and deleted. */
async function discoverNamespacedResources(kubeConfig: KubeConfig): Promise<NamespacedResource[]> {
  const groups = (await requestJson(kubeConfig, 'GET', '/apis')).body as {
    groups?: { preferredVersion?: { groupVersion: string } }[];
  };
  const prefixes = [
    '/api/v1',
    ...(groups.groups ?? []).flatMap((g) =>
      g.preferredVersion ? [`/apis/${g.preferredVersion.groupVersion}`] : [],
    ),
  ];
  const found: NamespacedResource[] = [];
  for (const prefix of prefixes) {
    const answer = await requestJson(kubeConfig, 'GET', prefix);
    // A group can vanish between the two requests (a CRD removed meanwhile).
    if (answer.status !== 200) continue;
    for (const resource of (answer.body as ResourceList).resources ?? []) {
      // Subresources (`deployments/status`) are deleted with their object.
      if (!resource.namespaced || resource.name.includes('/')) continue;
      if (!resource.verbs.includes('list') || !resource.verbs.includes('deletecollection')) continue;
      found.push({ prefix, plural: resource.name });
    }
  }
  return found;
}

/** The names of the objects of `resource` still in `namespace`, with their finalizers. */
async function listRemaining(
  kubeConfig: KubeConfig,
  resource: NamespacedResource,
  namespace: string,
): Promise<{ name: string; finalizers: string[] }[]> {
  const answer = await requestJson(
    kubeConfig,
    'GET',
    `${resource.prefix}/namespaces/${namespace}/${resource.plural}`,
  );
  if (answer.status !== 200) return [];
  const list = answer.body as { items?: { metadata: { name: string; finalizers?: string[] } }[] };
  return (list.items ?? []).map((item) => ({
    name: item.metadata.name,
    finalizers: item.metadata.finalizers ?? [],
  }));
}

/**
 * Removes a namespace and everything in it, playing the namespace controller the test control
 * planes do not run: deletes every namespaced resource's collection in it, drops the finalizers
 * of objects whose controller is gone (an Extension after its manager stopped), then deletes the
 * namespace and finalizes it. Without this a deleted namespace stays `Terminating` forever and
 * its objects stay in every cluster-wide list. Resolves once the namespace is gone; a namespace
 * that does not exist is fine.
 */
export async function removeNamespace(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  const exists = await requestJson(kubeConfig, 'GET', `/api/v1/namespaces/${namespace}`);
  if (exists.status === 404) return;
  const resources = await discoverNamespacedResources(kubeConfig);
  await Promise.all(
    resources.map((r) =>
      requestJson(kubeConfig, 'DELETE', `${r.prefix}/namespaces/${namespace}/${r.plural}`, {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        gracePeriodSeconds: 0,
        propagationPolicy: 'Background',
      }),
    ),
  );
  for (const resource of resources) {
    for (const object of await listRemaining(kubeConfig, resource, namespace)) {
      if (object.finalizers.length === 0) continue;
      await requestJson(
        kubeConfig,
        'PATCH',
        `${resource.prefix}/namespaces/${namespace}/${resource.plural}/${object.name}`,
        { metadata: { finalizers: null } },
      ).then(undefined, () => undefined);
    }
  }
  await requestJson(kubeConfig, 'DELETE', `/api/v1/namespaces/${namespace}`);
  const current = await requestJson(kubeConfig, 'GET', `/api/v1/namespaces/${namespace}`);
  if (current.status === 404) return;
  // What the namespace controller does last: an empty `spec.finalizers`, after which the API
  // server lets the pending deletion through.
  const terminating = current.body as Record<string, unknown>;
  await requestJson(kubeConfig, 'PUT', `/api/v1/namespaces/${namespace}/finalize`, {
    ...terminating,
    spec: { finalizers: [] },
  });
  await requestJson(kubeConfig, 'DELETE', `/api/v1/namespaces/${namespace}`);
}
