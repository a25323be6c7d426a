/**
 * Files read by position (Node). A model's file and each external data file are opened once;
 * every lazy tensor payload reads its own range through that descriptor. The descriptor keeps
 * the original file readable even after a save renames a new file over the same path, and it is
 * closed when no payload refers to it any more.
 */
import { closeSync, fstatSync, openSync, read, readSync, constants } from 'node:fs';
import { OnnxFormatError } from '../errors.js';
import type { TensorPayload } from '../proto/payload.js';
import type { RandomAccessSource } from '../proto/skeleton.js';

const closer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed: nothing to release
  }
});

/** An open file that payloads share. */
export class OpenFile implements RandomAccessSource {
  readonly byteLength: number;
  readonly ino: number;
  readonly dev: number;
  /** False for a folder or a device: such a path is not a model or data file. */
  readonly isRegularFile: boolean;

  private constructor(
    readonly path: string,
    readonly fd: number,
  ) {
    const stats = fstatSync(fd);
    this.byteLength = stats.size;
    this.ino = stats.ino;
    this.dev = stats.dev;
    this.isRegularFile = stats.isFile();
    closer.register(this, fd);
  }

  /** Opens `path` for reading; `noFollow` refuses a symbolic link as the last component. */
  static open(path: string, noFollow = false): OpenFile {
    const flags = constants.O_RDONLY | (noFollow ? constants.O_NOFOLLOW : 0);
    return new OpenFile(path, openSync(path, flags));
  }

  get label(): string {
    return this.path;
  }

  readSync(position: number, target: Uint8Array): void {
    let done = 0;
    while (done < target.byteLength) {
      const n = readSync(this.fd, target, done, target.byteLength - done, position + done);
      if (n === 0) throw new OnnxFormatError(`${this.path}: unexpected end of file at byte ${position + done} (the file is truncated)`);
      done += n;
    }
  }

  async read(position: number, target: Uint8Array): Promise<void> {
    let done = 0;
    while (done < target.byteLength) {
      const n = await new Promise<number>((resolve, reject) =>
        read(this.fd, target, done, target.byteLength - done, position + done, (error, bytesRead) =>
          error ? reject(error) : resolve(bytesRead),
        ),
      );
      if (n === 0) throw new OnnxFormatError(`${this.path}: unexpected end of file at byte ${position + done} (the file is truncated)`);
      done += n;
    }
  }

  payload(offset: number, length: number): TensorPayload {
    // The payload holds `file`, which keeps the descriptor open for as long as it is needed.
    const file = this as OpenFile;
    return {
      byteLength: length,
      origin: `${this.path} bytes ${offset}..${offset + length}`,
      readSync: (at, target) => file.readSync(offset + at, target),
      read: (at, target) => file.read(offset + at, target),
    };
  }
}
