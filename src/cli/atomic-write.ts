import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces a file's content so that a reader (or a crash, a full disk, a file-size limit) sees
 * either the old file or the new one, never a part: the bytes go to a temporary file in the same
 * directory (same filesystem, so the rename is atomic), are flushed to disk, and the temporary
 * file is renamed over the original. The mode is kept, and the owner where the process may set
 * it. A symlink is followed, so the link stays a link to the rewritten file. On failure the
 * temporary file is removed and the original is untouched.
 */
export async function writeFileAtomically(file: string, content: Uint8Array): Promise<void> {
  const target = await realpath(file);
  const original = await stat(target);
  const directory = path.dirname(target);
  const temporary = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  // `wx`: never follow or reuse a name someone else created in the meantime.
  const handle = await open(temporary, 'wx', original.mode & 0o777);
  try {
    try {
      await handle.writeFile(content);
      // The umask applied when the file was created; the original's mode is what counts.
      await handle.chmod(original.mode & 0o7777);
      await handle.chown(original.uid, original.gid).catch(() => undefined);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw err;
  }
  // The rename is durable once the directory is flushed; not every platform can open one.
  const dir = await open(directory, 'r').catch(() => undefined);
  if (!dir) return;
  try {
    await dir.sync();
  } catch {
    // Best effort: the content is already safe, only the rename may not have reached the disk.
  } finally {
    await dir.close();
  }
}
