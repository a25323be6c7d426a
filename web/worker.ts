/**
 * The page's Web Worker: reads, inspects, converts and searches mixed precision off the main
 * thread. One worker serves one job; Cancel terminates it, wherever it is (also inside the
 * library's synchronous conversion). A conversion reports progress in bytes through its three
 * steps: reading the model, the conversion reading the float32 weights, writing the output.
 */
import {
  DataType,
  DEFAULT_OP_BLOCK_LIST,
  convertModel,
  findNodeBlockList,
  loadModelFromBlob,
  modelToBlobs,
  onnxruntimeAdapter,
  summarizeModel,
  type Feeds,
  type ModelProto,
  type ModelSummary,
  type Runtime,
} from '../src/index.js';
// The building blocks the page streams with (the package's documented low-level subpath).
import { blobSource, decodeModelLazilyAsync, encodeModelParts, forEachTensor, PROTOBUF_SIZE_LIMIT, TensorProto_DataLocation, type EncodedModel } from '../src/low-level.js';
import { formatBytes } from './format-bytes.js';
import { readFeedFiles } from './feed-files.js';
import { makeRandomFeeds } from './random-feeds.js';
import type { AutoJob, ConvertJob, Inspection, InspectJob, Job, ModelFiles, Output, WorkerMessage } from './protocol.js';

const scope = self as unknown as { postMessage(message: WorkerMessage): void; onmessage: ((event: MessageEvent<Job>) => void) | null };
const post = (message: WorkerMessage) => scope.postMessage(message);

/** The page's stop flag for this job: checked between chunks, so Cancel stops the work at once. */
let stopFlag: Int32Array | undefined;

scope.onmessage = (event) => {
  const job = event.data;
  if (job.type !== 'inspect') stopFlag = job.stop;
  const run = job.type === 'inspect' ? inspect(job) : job.type === 'convert' ? convert(job) : auto(job);
  run.catch((error: unknown) => post({ type: 'error', message: oneLine(error) }));
};

/** An error as one readable line: the library's messages already name the file, node or tensor. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim() || 'the operation failed';
}

/** Throws when the page asked this job to stop; called wherever the work reports progress. */
function stopIfAsked(): void {
  if (stopFlag && Atomics.load(stopFlag, 0) !== 0) throw new Error('cancelled');
}

function progress(phase: string, fraction: number): void {
  stopIfAsked();
  post({ type: 'progress', phase, fraction });
}

/** The share of the progress bar each step of a conversion fills, in order. */
const STEPS = { reading: [0, 0.05], converting: [0.05, 0.45], writing: [0.45, 1] } as const;

/** An onProgress callback that moves the bar through `step`, labelled with the bytes done. */
function stepProgress(step: keyof typeof STEPS, label: string): (done: number, total: number) => void {
  const [from, to] = STEPS[step];
  let last = -1;
  return (done, total) => {
    stopIfAsked();
    const fraction = from + (to - from) * (total > 0 ? done / total : 1);
    // At most about 200 messages a step, however small the chunks.
    if (fraction - last < 0.005 && done < total) return;
    last = fraction;
    progress(`${label}: ${formatBytes(done)} of ${formatBytes(total)}`, fraction);
  };
}

function dataFileMap(files: ModelFiles): Map<string, Blob> {
  return new Map(files.dataFiles.map((file) => [file.name, file]));
}

/** External data locations the model names, by file name. */
function externalLocations(model: ModelProto): string[] {
  const locations = new Set<string>();
  forEachTensor(model, (tensor) => {
    if (tensor.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const location = tensor.externalData.find((e) => e.key === 'location')?.value ?? '';
    locations.add(location.split(/[\\/]/).pop() ?? location);
  });
  return [...locations];
}

async function inspect(job: InspectJob): Promise<void> {
  // The structure only: weights and external data stay in their files.
  const model = await decodeModelLazilyAsync(blobSource(job.files.model), { lazyThreshold: 1024 });
  const summary = summarizeModel(model);
  const graph = model.graph;
  const nodes = (graph?.node ?? []).map((node, index) => ({ address: node.name || `#${index}`, opType: node.domain && node.domain !== 'ai.onnx' ? `${node.domain}::${node.opType}` : node.opType }));
  const floatIo = [...summary.inputs, ...summary.outputs].filter((v) => v.elemType === 'FLOAT').map((v) => v.name);
  const symbolicDims = [...new Set(summary.inputs.flatMap((v) => (v.shape ?? []).filter((d): d is string => typeof d === 'string')))];
  const picked = new Set(job.files.dataFiles.map((f) => f.name));
  const missingDataFiles = externalLocations(model).filter((name) => !picked.has(name));
  const inspection: Inspection = { summary, nodes, floatIo, symbolicDims, defaultOpBlockList: DEFAULT_OP_BLOCK_LIST, missingDataFiles };
  post({ type: 'inspected', inspection });
}

/**
 * The model from the picked files. `lazy`: only the structure is read; weights stay in the files and
 * are read in chunks when needed (synchronously, FileReaderSync), so a conversion never holds them
 * whole. Otherwise (mixed precision, whose attempts run the model) they are read into memory.
 */
async function load(files: ModelFiles, lazy: boolean): Promise<ModelProto> {
  progress(`Reading ${files.model.name}`, 0);
  const model = await loadModelFromBlob(files.model, { externalData: dataFileMap(files), lazy, onProgress: stepProgress('reading', `Reading ${files.model.name}`) });
  progress(`Read ${files.model.name}`, STEPS.reading[1]);
  return model;
}

function bytesByType(summary: ModelSummary): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const group of [summary.initializers, summary.constants]) {
    for (const entry of group.byType) bytes[entry.elemType] = (bytes[entry.elemType] ?? 0) + entry.bytes;
  }
  return bytes;
}

function target(name: 'float16' | 'bfloat16'): number {
  return name === 'bfloat16' ? DataType.BFLOAT16 : DataType.FLOAT16;
}

/** What a finished conversion keeps referenced until the worker is terminated. */
const retained = new Set<unknown>();

async function convert(job: ConvertJob): Promise<void> {
  const start = performance.now();
  const model = await load(job.files, true);
  const options = { ...job.options, runtime: job.runtime, onProgress: stepProgress('converting', 'Converting: float32 weights checked') };
  const { model: converted, report } = convertModel(model, options, target(job.target));
  const output = await write(model, converted, job.outputName, job.externalData === 'always', job.saveTo, stepProgress('writing', `Writing ${job.outputName}`));
  progress('Done', 1);
  // Held until the page terminates this worker, which it does once the browser has measured the
  // page's memory at least once: the measurement then sees what the conversion held.
  for (const held of [model, converted, output]) retained.add(held);
  const inputBytes = job.files.model.size + job.files.dataFiles.reduce((n, f) => n + f.size, 0);
  post({
    type: 'converted',
    report,
    inputBytes,
    outputBytes: output.model.size + (output.data?.blob.size ?? 0),
    bytesByType: { before: bytesByType(summarizeModel(model)), after: bytesByType(summarizeModel(converted)) },
    output,
    elapsedMs: performance.now() - start,
  });
}

/**
 * Writes the converted model as the CLI would: with external data ("NAME.onnx.data") when asked,
 * when the input had some, or when the model passes protobuf's 2 GB. A single-file model is
 * written part by part, weights converted 16 MB at a time: to the file the user chose (File System
 * Access API), or into a Blob grown as it goes, so converted chunks are handed to the browser's
 * Blob storage instead of all being held here. With external data, modelToBlobs writes both files.
 */
async function write(source: ModelProto, converted: ModelProto, name: string, alwaysExternal: boolean, saveTo: FileSystemFileHandle | undefined, onProgress: (done: number, total: number) => void): Promise<Output> {
  const encoded = encodeModelParts(converted);
  const external = alwaysExternal || externalLocations(source).length > 0 || encoded.byteLength > PROTOBUF_SIZE_LIMIT;
  if (!external) {
    if (saveTo) {
      const writable = await saveTo.createWritable();
      try {
        await writeParts(encoded.parts, encoded.byteLength, (chunk) => writable.write(chunk), onProgress);
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => {});
        throw error;
      }
      return { model: await saveTo.getFile(), modelName: saveTo.name, savedToFile: true };
    }
    let blob = new Blob([]);
    let pending: BlobPart[] = [];
    let pendingBytes = 0;
    const flush = () => {
      blob = new Blob([blob, ...pending]);
      pending = [];
      pendingBytes = 0;
    };
    await writeParts(
      encoded.parts,
      encoded.byteLength,
      (chunk) => {
        // The Blob constructor copies the bytes, so the reused chunk buffer is free again.
        const part = chunk instanceof Blob ? chunk : new Blob([chunk]);
        pending.push(part);
        pendingBytes += part.size;
        if (pendingBytes >= FLUSH_BYTES) flush();
      },
      onProgress,
    );
    flush();
    return { model: blob, modelName: name, savedToFile: false };
  }
  const blobs = await modelToBlobs(converted, { externalData: { location: `${name}.data` }, onProgress });
  return { model: blobs.model, modelName: name, ...(blobs.externalData ? { data: { name: blobs.externalData.location, blob: blobs.externalData.blob } } : {}), savedToFile: false };
}

const CHUNK = 16 * 1024 * 1024;
const FLUSH_BYTES = 64 * 1024 * 1024;

/**
 * Hands the encoded model to `sink`: framing bytes, Blob slices passed through, computed payloads
 * chunk by chunk in one reused buffer (the sink is awaited before the buffer is refilled).
 */
async function writeParts(parts: EncodedModel['parts'], total: number, sink: (chunk: Blob | Uint8Array<ArrayBuffer>) => unknown, onProgress: (done: number, total: number) => void): Promise<void> {
  let written = 0;
  onProgress(0, total);
  // One buffer serves every chunk, so nothing piles up for the GC.
  const buffer = new Uint8Array(CHUNK);
  for (const part of parts) {
    if (part instanceof Uint8Array) await sink(part as Uint8Array<ArrayBuffer>);
    else if (part.blob) await sink(part.blob);
    else {
      for (let at = 0; at < part.byteLength; at += CHUNK) {
        const chunk = buffer.subarray(0, Math.min(CHUNK, part.byteLength - at));
        if (part.readSync) part.readSync(at, chunk);
        else await part.read(at, chunk);
        await sink(chunk);
        onProgress(written + at + chunk.byteLength, total);
      }
    }
    written += part.byteLength;
  }
  onProgress(total, total);
}

/** onnxruntime-web, loaded on first use with its WebAssembly served by the site itself. */
async function chooseRuntime(): Promise<{ runtime: Runtime; emulate: boolean; description: string }> {
  const ort = await import('onnxruntime-web/webgpu');
  ort.env.wasm.wasmPaths = new URL('./ort/', self.location.href).href;
  ort.env.wasm.proxy = false;
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ features: ReadonlySet<string> } | null> } }).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (adapter?.features.has('shader-f16')) {
    const description = 'WebGPU with shader-f16: each attempt runs the float16 model itself';
    return { runtime: onnxruntimeAdapter(ort as never, { executionProviders: ['webgpu'], name: 'onnxruntime-web (webgpu)' }), emulate: false, description };
  }
  const why = adapter ? 'this WebGPU adapter has no shader-f16' : 'no WebGPU adapter';
  const description = `WebAssembly (CPU), ${why}: each attempt runs a float32 emulation that rounds like float16 between ops`;
  return { runtime: onnxruntimeAdapter(ort as never, { executionProviders: ['wasm'], name: 'onnxruntime-web (wasm)' }), emulate: true, description };
}

async function auto(job: AutoJob): Promise<void> {
  const model = await load(job.files, false);
  progress('Preparing feeds', 0.06);
  const feeds: Feeds = job.feeds.kind === 'random' ? makeRandomFeeds(model, job.feeds.dims, job.feeds.seed) : await readFeedFiles(job.feeds.files, model);
  progress('Starting onnxruntime-web', 0.08);
  const { runtime, emulate, description } = await chooseRuntime();
  post({ type: 'runtime', description });
  progress('Searching', 0.1);
  const to = target(job.target);
  const result = await findNodeBlockList(model, feeds, {
    runtime,
    emulate,
    to,
    keepIoTypes: job.keepIoTypes,
    convertOptions: { runtime: job.runtime },
    strategy: job.strategy,
    ...(job.rtol !== undefined ? { rtol: job.rtol } : {}),
    ...(job.atol !== undefined ? { atol: job.atol } : {}),
    onProgress: (event) => {
      stopIfAsked();
      post({ type: 'attempt', event });
    },
  });
  const { model: converted, report } = convertModel(model, { keepIoTypes: job.keepIoTypes, nodeBlockList: result.nodeBlockList, runtime: job.runtime }, to);
  const output = await write(model, converted, job.outputName, false, undefined, (done, total) => progress(`Writing ${job.outputName}`, 0.9 + (0.1 * done) / total));
  progress('Done', 1);
  post({ type: 'auto-done', result, keptNodes: report.keptNodes.length, runtime: runtime.name, output });
}
