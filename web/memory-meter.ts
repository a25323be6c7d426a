/**
 * The page's memory while a job runs, as far as the browser lets a page measure it:
 * `performance.measureUserAgentSpecificMemory()` (cross-origin isolated pages, Chromium: this
 * page's JavaScript memory, its worker and the worker's ArrayBuffers included), else Chromium's
 * `performance.memory` (the main thread's JavaScript heap only), else nothing. Samples are taken
 * one after another while the job runs; the highest is the peak reported.
 */
import { formatBytes } from './format-bytes.js';

interface MemoryApis {
  measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
  memory?: { usedJSHeapSize: number };
}

const SAMPLE_GAP_MS = 250;

/** Measurements asked for and not answered yet, of every meter. */
const unanswered = new Set<Promise<void>>();

export class MemoryMeter {
  readonly #apis = performance as unknown as MemoryApis;
  readonly #how: 'agent' | 'heap' | undefined;
  #running = true;
  #peak = 0;
  #samples = 0;
  #inFlight: Promise<void> | undefined;

  /** Starts sampling. */
  constructor() {
    this.#how = typeof this.#apis.measureUserAgentSpecificMemory === 'function' && globalThis.crossOriginIsolated ? 'agent' : this.#apis.memory ? 'heap' : undefined;
    void this.#sampleWhileRunning();
  }

  async #sampleWhileRunning(): Promise<void> {
    while (this.#running && this.#how) {
      await this.#sample();
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_GAP_MS));
    }
  }

  /** One sample. The browser answers measureUserAgentSpecificMemory when it next collects garbage (at the latest after about 20 s), so one is asked at a time. */
  async #sample(): Promise<void> {
    if (this.#how === 'heap') return this.#record(this.#apis.memory!.usedJSHeapSize);
    if (this.#how !== 'agent') return;
    if (!this.#inFlight) {
      const asked: Promise<void> = this.#apis.measureUserAgentSpecificMemory!().then(
        (result) => this.#record(result.bytes),
        () => {},
      ).finally(() => {
        this.#inFlight = undefined;
        unanswered.delete(asked);
      });
      this.#inFlight = asked;
      unanswered.add(asked);
    }
    await this.#inFlight;
  }

  /** Resolves when no measurement of any meter is pending: only then may a worker be terminated. */
  static async settled(): Promise<void> {
    while (unanswered.size > 0) await Promise.all(unanswered);
  }

  /** Stops sampling, with no last sample (a cancelled or failed job). */
  abandon(): void {
    this.#running = false;
  }

  #record(bytes: number): void {
    this.#samples++;
    this.#peak = Math.max(this.#peak, bytes);
  }

  /**
   * Stops sampling and gives the peak and how it was measured, after one last sample taken while
   * the finished job still holds its data (its worker is terminated after this resolves).
   */
  async stop(): Promise<{ peak: string; how: string; bytes?: number }> {
    this.#running = false;
    // A measurement still pending is answered later, while the job's data is still held: it is that last sample.
    if (this.#inFlight) await this.#inFlight;
    else await this.#sample();
    if (this.#how === undefined || this.#samples === 0) {
      const why = typeof this.#apis.measureUserAgentSpecificMemory === 'function' ? 'measuring needs a cross-origin isolated page, as npm run web serves it' : 'this browser does not expose it to pages';
      return { peak: 'not measured', how: why };
    }
    const samples = `highest of ${this.#samples} sample${this.#samples === 1 ? '' : 's'}`;
    const how =
      this.#how === 'agent'
        ? `${samples} of performance.measureUserAgentSpecificMemory(): this page's JavaScript memory, its worker included; Blobs the browser keeps are not counted`
        : `${samples} of performance.memory: the JavaScript heap of the page's main thread only; this browser does not measure its worker`;
    return { peak: formatBytes(this.#peak), how, bytes: this.#peak };
  }
}
