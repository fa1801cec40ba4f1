// Starts one control plane with the Gardener and Flux CRDs and keeps it running until
// SIGINT/SIGTERM. `npm run testenv -- [--kubeconfig-out FILE] [--crds DIR ...]`
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/harness/assets.js';
import { startControlPlane } from '../test/harness/control-plane.js';

const { values } = parseArgs({
  options: {
    'kubeconfig-out': { type: 'string', default: path.join(repoRoot, '.testenv', 'kubeconfig') },
    crds: { type: 'string', multiple: true, default: [] },
    name: { type: 'string', default: 'testenv' },
  },
});

const log = (line: string) => process.stderr.write(`[testenv] ${line}\n`);
const kubeconfigOut = path.resolve(values['kubeconfig-out']);
try {
  const plane = await startControlPlane({
    name: values.name,
    crds: ['gardener', 'flux'],
    crdFiles: values.crds,
    kubeconfigOut,
    progress: log,
  });
  log(`API server ${plane.server}, data in ${plane.dir}`);
  process.stdout.write(`READY ${kubeconfigOut}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    void plane.stop().then(() => {
      log('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
} catch (err) {
  log((err as Error).message);
  process.exit(1);
}
