/**
 * Atomic file writes: each file is written to a temporary name in its target folder, synced,
 * then renamed over the target, so a reader never sees a half-written file and a failed write
 * leaves the old file as it was. A descriptor opened on the old file keeps reading the old bytes.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ModelFileError } from '../errors.js';

export interface PendingFile {
  /** The final path. */
  readonly path: string;
  /** Writes the whole content to `fd`. */
  readonly write: (fd: number) => void | Promise<void>;
}

/** Writes every file to a temporary name, then renames them all into place, in order. */
export async function writeFilesAtomically(files: readonly PendingFile[]): Promise<void> {
  const temps: string[] = [];
  try {
    for (const file of files) {
      const dir = dirname(file.path);
      assertFolder(dir, file.path);
      const temp = join(dir, `.${basename(file.path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
      temps.push(temp);
      const fd = openSync(temp, 'wx', 0o644);
      try {
        await file.write(fd);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    files.forEach((file, i) => renameSync(temps[i]!, file.path));
  } catch (error) {
    for (const temp of temps) rmSync(temp, { force: true });
    if (error instanceof Error && 'code' in error) {
      throw new ModelFileError(`cannot write ${files.map((f) => f.path).join(', ')}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function assertFolder(dir: string, path: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    isFolder = false;
  }
  if (!isFolder) throw new ModelFileError(`cannot write ${path}: folder ${dir} does not exist`);
}
