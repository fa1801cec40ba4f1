import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * A loopback API server that accepts connections and never answers, as a shoot whose
 * kube-apiserver hangs: `tls` completes the TLS handshake and then stays silent (no HTTP
 * answer), `tcp` accepts the TCP connection and never speaks TLS.
 */
export interface SilentServer {
  /** `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The CA bundle that verifies its certificate (self-signed for 127.0.0.1). */
  readonly caFile: string;
  /** Connections accepted so far. */
  accepted(): number;
  /** Connections still open (a client that gave up has closed its side). */
  open(): number;
  /** Closes the listener and every connection. Idempotent. */
  stop(): Promise<void>;
}

interface Certificate {
  dir: string;
  certFile: string;
  cert: Buffer;
  key: Buffer;
}

/** A throw-away self-signed certificate for 127.0.0.1 (openssl, one per call). */
async function createCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(path.join(tmpdir(), 'shoot-flux-silent-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { dir, certFile, cert: await readFile(certFile), key: await readFile(keyFile) };
}

/** Starts a silent server on a free loopback port. */
export async function startSilentServer(mode: 'tls' | 'tcp'): Promise<SilentServer> {
  const certificate = await createCertificate();
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const hold = (socket: net.Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    // Read and drop whatever the client sends; never write a byte back.
    socket.resume();
  };
  // In TLS mode the connection counts once the handshake is done (the TLS socket owns it then).
  const server =
    mode === 'tls'
      ? tls.createServer({ cert: certificate.cert, key: certificate.key }, hold)
      : net.createServer(hold);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  let stopped = false;
  return {
    server: `https://127.0.0.1:${port}`,
    caFile: certificate.certFile,
    accepted: () => accepted,
    open: () => sockets.size,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await rm(certificate.dir, { recursive: true, force: true });
    },
  };
}
