/**
 * Messages between the page (main.ts) and its Web Worker (worker.ts). Files and Blobs travel
 * by reference (structured clone of a Blob copies no bytes), so a large model is never copied
 * into a message.
 */
import type { AttemptEvent, BlockListResult, ConversionReport, ConvertOptions, ModelSummary } from '../src/index.js';

export type Target = 'float16' | 'bfloat16';

/** The runtime a conversion targets (ConvertOptions.runtime): an onnxruntime provider, or 'none'. */
export type RuntimeChoice = NonNullable<ConvertOptions['runtime']>;

/** The model file and the external data files picked with it. */
export interface ModelFiles {
  model: File;
  dataFiles: File[];
}

export interface ConvertJob {
  type: 'convert';
  files: ModelFiles;
  target: Target;
  options: ConvertOptions;
  /** Nodes this runtime would not run in the target type stay float32 (overrides options.runtime). */
  runtime: RuntimeChoice;
  /** "auto": as the CLI (when the input has external data, or the output passes 2 GB); "always": a .data file alongside. */
  externalData: 'auto' | 'always';
  /** The CLI's default output name, e.g. "model_fp16.onnx". */
  outputName: string;
  /** Where to stream the model (File System Access API); absent: Blobs to download. */
  saveTo?: FileSystemFileHandle;
  /** Set to 1 by the page to ask the worker to stop (over a SharedArrayBuffer). */
  stop?: Int32Array;
}

export type FeedSource = { kind: 'random'; dims: Record<string, number>; seed: number } | { kind: 'files'; files: File[] };

export interface AutoJob {
  type: 'auto';
  files: ModelFiles;
  target: Target;
  feeds: FeedSource;
  /** As ConvertJob.runtime, for every attempt and the result. */
  runtime: RuntimeChoice;
  rtol?: number;
  atol?: number;
  keepIoTypes: boolean;
  strategy: 'guided' | 'bisect';
  /** The converted model's name ("model_mixed.onnx", as the CLI's auto). */
  outputName: string;
  /** Set to 1 by the page to ask the worker to stop (over a SharedArrayBuffer). */
  stop?: Int32Array;
}

export interface InspectJob {
  type: 'inspect';
  files: ModelFiles;
}

export type Job = ConvertJob | AutoJob | InspectJob;

/** What the page needs to offer the options: the model's nodes, float I/O and symbolic dimensions. */
export interface Inspection {
  summary: ModelSummary;
  /** Nodes of the main graph, by the address nodeBlockList takes. */
  nodes: { address: string; opType: string }[];
  /** Float32 graph inputs and outputs (what keepIoTypes can name). */
  floatIo: string[];
  /** Symbolic dimension names of the graph inputs. */
  symbolicDims: string[];
  /** The library's default op block list (the CLI's default). */
  defaultOpBlockList: readonly string[];
  /** External data files the model refers to and were not picked. */
  missingDataFiles: string[];
}

export interface Output {
  model: Blob;
  modelName: string;
  data?: { name: string; blob: Blob };
  /** True when written straight to the file the user chose. */
  savedToFile: boolean;
}

export interface ConvertedMessage {
  type: 'converted';
  report: ConversionReport;
  inputBytes: number;
  outputBytes: number;
  /** Bytes of tensors by data type, initializers and constants together, before and after. */
  bytesByType: { before: Record<string, number>; after: Record<string, number> };
  output: Output;
  elapsedMs: number;
}

export interface AutoDoneMessage {
  type: 'auto-done';
  result: BlockListResult;
  /** Nodes the converted model keeps float32: the block list, the bodies of blocked If/Loop/Scan nodes, and nodes kept for their own reasons. */
  keptNodes: number;
  runtime: string;
  output: Output;
}

export type WorkerMessage =
  | { type: 'inspected'; inspection: Inspection }
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'runtime'; description: string }
  | { type: 'attempt'; event: AttemptEvent }
  | ConvertedMessage
  | AutoDoneMessage
  | { type: 'error'; message: string };
