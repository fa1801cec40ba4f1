import { Counter, Gauge, type Registry } from 'prom-client';
import type { AgentPool } from '../kube/agent-pool.js';

/**
 * Registers, once, what `connections` reports at each scrape: `rest_client_connections_opened_total`
 * (TCP connections, with TLS the handshakes, since start; against the requests metric it shows
 * how well sockets are reused) and `rest_client_open_connections` (sockets held now).
 */
export function registerConnectionMetrics(registry: Registry, connections: AgentPool): void {
  if (registry.getSingleMetric('rest_client_connections_opened_total')) return;
  new Counter({
    name: 'rest_client_connections_opened_total',
    help: 'Connections to API servers (seed and shoots) opened since start; each a TLS handshake',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(connections.connectionsOpened);
    },
  });
  new Gauge({
    name: 'rest_client_open_connections',
    help: 'Connections to API servers (seed and shoots) held open, busy or idle',
    registers: [registry],
    collect() {
      this.set(connections.openSockets);
    },
  });
}
