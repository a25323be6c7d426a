/**
 * Feeds for auto mixed precision from the user's files, as the CLI's --feeds reads them:
 * `.npy` (the file's stem names the input, or the model's only input), `.npz` (entries named by
 * input; numpy's arr_0, arr_1... follow the inputs' order) and ONNX test-data `.pb` TensorProto
 * files (the tensor's name, else input_N.pb is the N-th input). All files together form one set.
 */
import { parseNpy, type Feeds, type ModelProto, type TensorLike } from '../src/index.js';
import { decodeTensor, npzEntries, NpzFormatError, tensorFromProto, type NpzEntry } from '../src/low-level.js';

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

/** The .npz's entries, inflated (stored or deflated, as numpy writes them). */
async function readZip(bytes: Uint8Array, label: string): Promise<Map<string, Uint8Array>> {
  let entries: NpzEntry[];
  try {
    entries = npzEntries(bytes);
  } catch (error) {
    if (!(error instanceof NpzFormatError)) throw error;
    throw new Error(error.kind === 'notZip' ? `${label}: not a .npz (zip) file` : `${label}: not a valid .npz: ${error.message}`);
  }
  const inflated = new Map<string, Uint8Array>();
  for (const { name, method, stored } of entries) {
    if (method === 0) inflated.set(name, stored);
    else if (method === 8) inflated.set(name, await inflateRaw(stored));
    else throw new Error(`${label}: entry ${name} uses zip compression method ${method}`);
  }
  return inflated;
}

async function inflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
