/**
 * Which models `convert IN...` converts, and where each goes. A file is converted as given; a
 * folder (a transformers.js or Optimum export: onnx/encoder_model.onnx, onnx/decoder_model.onnx,
 * ...) gives every `.onnx` file in it and its sub-folders whose name is not already a variant of
 * another (model_fp16.onnx, model_q4.onnx, ...). Outputs go beside their inputs or into --out-dir,
 * keeping a folder input's sub-paths.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative } from 'node:path';
import { UsageError } from './usage-error.js';

export interface ConvertJob {
  readonly input: string;
  readonly output: string;
}

/**
 * Name endings of the variants exporters and converters write next to a model: converted
 * (fp16, bf16, mixed), quantized (q4, q4f16, int8, uint8, bnb4, quantized, ...). A folder's
 * variants are not converted again: they are outputs, or models that are not float32.
 */
export const VARIANT_SUFFIXES = ['fp16', 'bf16', 'float16', 'bfloat16', 'fp32', 'q4', 'q4f16', 'q8', 'int4', 'uint4', 'int8', 'uint8', 'bnb4', 'quantized', 'mixed'];

const VARIANT = new RegExp(`_(${VARIANT_SUFFIXES.join('|')})$`, 'i');

/** Whether a model file's name marks it as a variant of another model. */
export function isVariantName(file: string): boolean {
  return VARIANT.test(basename(file, extname(file)));
}

/**
 * The output of `input` converted to `suffix` ("fp16" or "bf16"): NAME_fp16.onnx, except that a
 * 4-bit model NAME_q4 becomes NAME_q4f16 (its scales float16), as transformers.js names it.
 */
export function outputName(input: string, suffix: string): string {
  const ext = extname(input) || '.onnx';
  const stem = basename(input, extname(input));
  if (suffix === 'fp16' && /_q4$/i.test(stem)) return `${stem}f16${ext}`;
  return `${stem}_${suffix}${ext}`;
}

export interface BatchOptions {
  /** "fp16" or "bf16". */
  to: string;
  outDir?: string | undefined;
  /** -o: the output of a single input model. */
  output?: string | undefined;
}

/**
 * The jobs for the command's inputs, and whether they make a batch (several inputs, or a folder:
 * reported model by model with a summary) rather than the one-model conversion.
 */
export function batchJobs(inputs: readonly string[], options: BatchOptions): { jobs: ConvertJob[]; batch: boolean } {
  const jobs: ConvertJob[] = [];
  let folders = 0;
  for (const input of inputs) {
    let stats;
    try {
      stats = statSync(input);
    } catch {
      // A missing file is loadModel's to report (one line naming it); a batch reports it as that model's failure.
      jobs.push({ input, output: join(options.outDir ?? dirname(input), outputName(input, options.to)) });
      continue;
    }
    if (stats.isDirectory()) {
      folders++;
      for (const file of modelFiles(input)) {
        const sub = dirname(relative(input, file));
        jobs.push({ input: file, output: join(options.outDir === undefined ? dirname(file) : join(options.outDir, sub), outputName(file, options.to)) });
      }
    } else {
      jobs.push({ input, output: join(options.outDir ?? dirname(input), outputName(input, options.to)) });
    }
  }
  const batch = inputs.length > 1 || folders > 0;
  if (options.output !== undefined) {
    if (batch) throw new UsageError('-o names the output of one model; for several models or a folder use --out-dir');
    if (options.outDir !== undefined) throw new UsageError('give -o or --out-dir, not both');
    jobs[0] = { input: jobs[0]!.input, output: options.output };
  }
  const seen = new Map<string, string>();
  for (const job of jobs) {
    const other = seen.get(job.output);
    if (other !== undefined) throw new UsageError(`${other} and ${job.input} would both be written to ${job.output}`);
    seen.set(job.output, job.input);
  }
  return { jobs, batch };
}

/** The .onnx files of `folder` and its sub-folders that are not variants, in a stable (sorted) order. */
function modelFiles(folder: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) found.push(...modelFiles(path));
    else if (entry.isFile() && extname(entry.name).toLowerCase() === '.onnx' && !isVariantName(entry.name)) found.push(path);
  }
  return found;
}
