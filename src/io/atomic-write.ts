/**
 * Atomic file writes: each file is written to a temporary name in its target folder, synced,
 * then renamed over the target, so a reader never sees a half-written file and a failed write
 * leaves the old file as it was. A descriptor opened on the old file keeps reading the old bytes.
 * Temporary files are named `.NAME.onnx-float16-PID-RANDOM.tmp` beside the target, so one left by
 * a killed process is easy to recognise and delete.
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
      assertNotFolder(file.path);
      const temp = temporaryPath(file.path);
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

/** The temporary name a file is written under before it is renamed to `path`. */
export function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.onnx-float16-${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
}

function assertNotFolder(path: string): void {
  let isFolder = false;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    isFolder = false;
  }
  if (isFolder) throw new ModelFileError(`cannot write ${path}: it is a folder; name a file to write`);
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
