/**
 * Feeds for auto mixed precision from the user's files, as the CLI's --feeds reads them:
 * `.npy` (the file's stem names the input, or the model's only input), `.npz` (entries named by
 * input; numpy's arr_0, arr_1... follow the inputs' order) and ONNX test-data `.pb` TensorProto
 * files (the tensor's name, else input_N.pb is the N-th input). All files together form one set.
 */
import { parseNpy, type Feeds, type ModelProto, type TensorLike } from '../src/index.js';
import { decodeTensor, tensorFromProto } from '../src/low-level.js';

export async function readFeedFiles(files: readonly File[], model: ModelProto): Promise<Feeds> {
  const initializers = new Set(model.graph?.initializer.map((t) => t.name));
  const inputs = (model.graph?.input ?? []).filter((i) => !initializers.has(i.name)).map((i) => i.name);
  const feeds: Feeds = {};
  const place = (name: string | undefined, index: number | undefined, tensor: TensorLike, label: string) => {
    const target = name && inputs.includes(name) ? name : index !== undefined ? inputs[index] : inputs.length === 1 ? inputs[0] : undefined;
    if (!target) throw new Error(`${label}: matches no model input (inputs: ${inputs.join(', ')})`);
    feeds[target] = tensor;
  };
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const stem = file.name.replace(/\.[^.]*$/, '');
    if (file.name.endsWith('.npy')) place(stem, undefined, parseNpy(bytes, file.name), file.name);
    else if (file.name.endsWith('.npz')) {
      for (const [entry, content] of await readZip(bytes, file.name)) {
        const name = entry.replace(/\.npy$/, '');
        const numpyIndex = /^arr_(\d+)$/.exec(name)?.[1];
        place(name, numpyIndex === undefined ? undefined : Number(numpyIndex), parseNpy(content, `${file.name}:${entry}`), `${file.name}:${entry}`);
      }
    } else if (file.name.endsWith('.pb')) {
      const tensor = decodeTensor(bytes, file.name);
      const index = /^input_(\d+)$/.exec(stem)?.[1];
      place(tensor.name || undefined, index === undefined ? undefined : Number(index), tensorFromProto(tensor), file.name);
    } else throw new Error(`${file.name}: feeds are .npy, .npz or .pb (TensorProto) files`);
  }
  const missing = inputs.filter((name) => !(name in feeds));
  if (missing.length > 0) throw new Error(`the feed files give no value for input${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  return feeds;
}

/** The entries of a zip archive (as numpy's savez and savez_compressed write: stored or deflated), from its central directory. */
async function readZip(bytes: Uint8Array, label: string): Promise<Map<string, Uint8Array>> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error(`${label}: not a .npz (zip) file`);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries = new Map<string, Uint8Array>();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`${label}: damaged zip directory`);
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localHeader = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    if (compressedSize === 0xffffffff || localHeader === 0xffffffff) throw new Error(`${label}: zip64 archives are not supported`);
    const dataStart = localHeader + 30 + view.getUint16(localHeader + 26, true) + view.getUint16(localHeader + 28, true);
    const stored = bytes.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) entries.set(name, stored);
    else if (method === 8) entries.set(name, await inflateRaw(stored));
    else throw new Error(`${label}: entry ${name} uses zip compression method ${method}`);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
