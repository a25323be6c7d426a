/**
 * Fingerprints of the conversion's output: for every model of ../shared/models, the bundled
 * example and libonnx-testdata, the SHA-256 of the encoded result of `convertModel` in four
 * modes (float16 default, float16 keepIoTypes, bfloat16 default, bfloat16 keepIoTypes), or the
 * first line of the error it throws. A restructuring must leave these unchanged; a change of
 * behaviour updates them on purpose (`npm run fingerprints -- --write`), and the diff shows
 * exactly which models it touched.
 *
 *   npm run fingerprints              compare with test/golden/conversion-fingerprints.json
 *   npm run fingerprints -- --write   rewrite the golden file
 *   npm run fingerprints -- --convert-and-save
 *                                     compare what convertAndSave's read-once path writes (planned
 *                                     with statistics assumed, weights streamed as saveModel does)
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertThenSave } from '../src/convert/convert-and-save.js';
import { convertModel } from '../src/convert/convert-model.js';
import { DataType } from '../src/dtype.js';
import { decodeModel, encodeModel } from '../src/proto/codec.js';
import { streamedBytes } from '../test/streamed-bytes.js';
import { SHARED_MODELS_DIR, testdataModels } from '../test/testdata.js';

export const GOLDEN_PATH = 'test/golden/conversion-fingerprints.json';

export const MODES = {
  fp16: { to: DataType.FLOAT16, keepIoTypes: false },
  fp16_io: { to: DataType.FLOAT16, keepIoTypes: true },
  bf16: { to: DataType.BFLOAT16, keepIoTypes: false },
  bf16_io: { to: DataType.BFLOAT16, keepIoTypes: true },
} as const;

export type Fingerprints = Record<string, Record<string, string>>;

/** Every model fingerprinted, as [name, path]. */
export function fingerprintModels(): [string, string][] {
  const models: [string, string][] = [['examples/silero_vad_v5.onnx', 'examples/silero_vad_v5.onnx']];
  if (existsSync(SHARED_MODELS_DIR)) {
    for (const file of readdirSync(SHARED_MODELS_DIR).sort()) {
      if (file.endsWith('.onnx')) models.push([`shared/${file}`, join(SHARED_MODELS_DIR, file)]);
    }
  }
  return [...models, ...testdataModels()];
}

/** The fingerprint of one model in one mode: `sha256:<hex>` or `error: <first line>`. */
export function fingerprint(bytes: Uint8Array, name: string, mode: keyof typeof MODES): string {
  const { to, keepIoTypes } = MODES[mode];
  try {
    const model = decodeModel(bytes, name);
    const converted = convertModel(model, { keepIoTypes, checkFp16Ready: false }, to).model;
    return `sha256:${createHash('sha256').update(encodeModel(converted)).digest('hex').slice(0, 20)}`;
  } catch (error) {
    return `error: ${String((error as Error).message ?? error).split('\n')[0]!.slice(0, 200)}`;
  }
}

/** The fingerprint through convertAndSave's read-once path, whatever the model's size. */
export async function fingerprintReadOnce(bytes: Uint8Array, name: string, mode: keyof typeof MODES): Promise<string> {
  const { to, keepIoTypes } = MODES[mode];
  try {
    const model = decodeModel(bytes, name);
    const { saved } = await convertThenSave(model, async (converted) => streamedBytes(converted), { keepIoTypes, checkFp16Ready: false }, to, true);
    return `sha256:${createHash('sha256').update(saved).digest('hex').slice(0, 20)}`;
  } catch (error) {
    return `error: ${String((error as Error).message ?? error).split('\n')[0]!.slice(0, 200)}`;
  }
}

export function computeFingerprints(): Fingerprints {
  const result: Fingerprints = {};
  for (const [name, path] of fingerprintModels()) {
    const bytes = readFileSync(path);
    const entry: Record<string, string> = {};
    for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) entry[mode] = fingerprint(bytes, name, mode);
    result[name] = entry;
  }
  return result;
}

/** The fingerprints of convertAndSave's read-once path, which must equal convertModel's. */
export async function computeReadOnceFingerprints(): Promise<Fingerprints> {
  const result: Fingerprints = {};
  for (const [name, path] of fingerprintModels()) {
    const bytes = readFileSync(path);
    const entry: Record<string, string> = {};
    for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) entry[mode] = await fingerprintReadOnce(bytes, name, mode);
    result[name] = entry;
  }
  return result;
}

/** Lines describing every difference between two fingerprint sets (models present in both). */
export function diffFingerprints(expected: Fingerprints, actual: Fingerprints): string[] {
  const lines: string[] = [];
  for (const [name, modes] of Object.entries(actual)) {
    const before = expected[name];
    if (!before) continue;
    for (const [mode, value] of Object.entries(modes)) {
      if (before[mode] !== value) lines.push(`${name} [${mode}]: ${before[mode]} -> ${value}`);
    }
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const actual = process.argv.includes('--convert-and-save') ? await computeReadOnceFingerprints() : computeFingerprints();
  if (process.argv.includes('--write')) {
    writeFileSync(GOLDEN_PATH, `${JSON.stringify(actual, null, 1)}\n`);
    console.log(`wrote ${Object.keys(actual).length} models to ${GOLDEN_PATH}`);
  } else {
    const expected = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as Fingerprints;
    const diff = diffFingerprints(expected, actual);
    for (const line of diff) console.log(line);
    console.log(`${Object.keys(actual).length} models, ${diff.length} differences`);
    process.exit(diff.length ? 1 : 0);
  }
}
