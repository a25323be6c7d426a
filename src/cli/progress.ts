/**
 * Progress on stderr: a bar redrawn in place on a TTY, plain lines (every 10%) otherwise.
 * Small jobs (under `minimumBytes`) show nothing.
 */
import { formatBytes } from './format.js';
import type { TextStream } from './streams.js';

export class Progress {
  #lastDraw = 0;
  #lastDecile = -1;
  #active = false;

  constructor(
    readonly stream: TextStream,
    readonly minimumBytes = 64 * 1024 * 1024,
  ) {}

  /** Reports `done` of `total` bytes for `label`. */
  update(label: string, done: number, total: number): void {
    if (total < this.minimumBytes) return;
    const fraction = total > 0 ? done / total : 1;
    if (this.stream.isTTY) {
      const now = Date.now();
      if (now - this.#lastDraw < 100 && done < total) return;
      this.#lastDraw = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      this.stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(done)} / ${formatBytes(total)}`);
      this.#active = true;
      if (done >= total) this.finish();
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile === this.#lastDecile) return;
      this.#lastDecile = decile;
      this.stream.write(`${label}: ${decile * 10}% (${formatBytes(done)} of ${formatBytes(total)})\n`);
    }
  }

  finish(): void {
    if (this.#active) this.stream.write('\n');
    this.#active = false;
    this.#lastDecile = -1;
  }
}
