import type { ReadEntry } from 'tar';

/** The `.yaml` files at the top of a (gzipped) tarball; subdirectories and other entries are ignored. */
export async function readTarballFiles(tarball: Buffer, maxBytes: number): Promise<Record<string, string>> {
  // tar is loaded with the first tarball: a controller that has not bootstrapped yet does not hold it.
  const { Parser } = await import('tar');
  const files: Record<string, string> = {};
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const relative = entry.path.replace(/^(\.\/)+/, '');
        if (entry.type !== 'File' || relative.includes('/') || !relative.endsWith('.yaml')) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > maxBytes) parser.abort(new Error(`unpacks to more than ${maxBytes} bytes`));
          else chunks.push(chunk);
        });
        entry.on('end', () => {
          files[relative] = Buffer.concat(chunks).toString('utf8');
        });
      },
    });
    parser.on('error', reject);
    parser.on('abort', reject);
    parser.on('end', () => {
      resolve();
    });
    parser.end(tarball);
  });
  return files;
}
