import type { KubeConnection } from '../../../src/kube/kube-connection.js';
import { KubeRawClient } from '../../../src/kube/raw-client.js';

/** Who the API server says the connection authenticates as (a SelfSubjectReview). */
export async function whoAmI(connection: KubeConnection): Promise<string | undefined> {
  const { body } = await new KubeRawClient(connection).request({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    verb: 'create',
    object: 'SelfSubjectReview',
  });
  return (body as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username;
}
