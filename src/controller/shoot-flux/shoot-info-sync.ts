import { isShootInfoCurrent, type ShootInfoConfigMap } from '../../flux/shoot-info.js';
import { applyObject, type ApplyResult } from '../../kube/apply.js';
import { readObject } from '../../kube/objects.js';
import type { KubeRawClient } from '../../kube/raw-client.js';
import type { RestMapper } from '../../kube/rest-mapper.js';

/**
 * Brings `shoot-info` to its desired content with one GET and, only when it differs (or is
 * missing), one server-side apply. An apply that changes nothing still costs the shoot API server
 * a write (admission, an etcd round trip for managedFields checks) on every resync of every
 * shoot; a read answered from the watch cache does not. A ConfigMap deleted by hand comes back
 * on the next reconcile, which a hash recorded in the Extension status would not notice.
 */
export async function ensureShootInfo(
  shoot: { client: KubeRawClient; mapper: RestMapper },
  desired: ShootInfoConfigMap,
  signal: AbortSignal,
): Promise<ApplyResult> {
  const live = await readObject(
    shoot.client,
    shoot.mapper,
    {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      namespace: desired.metadata.namespace,
      name: desired.metadata.name,
    },
    signal,
  );
  if (isShootInfoCurrent(live, desired)) return 'unchanged';
  return (await applyObject(shoot.client, desired, { signal, mapper: shoot.mapper })).result;
}
