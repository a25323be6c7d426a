/**
 * The files a loaded model reads: its model file and every external data file, identified by
 * device and inode (so a symbolic link, a hard link or another spelling of the path is the same
 * file). `saveModel` refuses to write over any of them while a loaded model still reads them,
 * except the in-place save of that model (see save-model.ts). A load's record lives as long as
 * the model or any of its open files (a converted model's payloads keep those open), so a model
 * converted from it is protected as long as it can still read its input.
 */
import { realpathSync, statSync } from 'node:fs';
import type { ModelProto } from '../proto/onnx.js';
import type { OpenFile } from './file-source.js';

/** One file a model reads. */
export interface SourceFile {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
}

/** The files one `loadModel` call reads: the model file, then its data files. */
export interface SourceFileSet {
  readonly model: SourceFile;
  readonly data: readonly SourceFile[];
}

const setOfModel = new WeakMap<ModelProto, SourceFileSet>();
/** An open file keeps the record of the load that opened it alive. */
const setOfFile = new WeakMap<OpenFile, SourceFileSet>();
const liveSets = new Set<WeakRef<SourceFileSet>>();
const forget = new FinalizationRegistry<WeakRef<SourceFileSet>>((ref) => liveSets.delete(ref));

/** Records that `model` was loaded from `modelFile` with `dataFiles`. */
export function recordSourceFiles(model: ModelProto, modelFile: OpenFile, dataFiles: readonly OpenFile[]): void {
  const set: SourceFileSet = { model: describe(modelFile), data: dataFiles.map(describe) };
  setOfModel.set(model, set);
  for (const file of [modelFile, ...dataFiles]) setOfFile.set(file, set);
  const ref = new WeakRef(set);
  liveSets.add(ref);
  forget.register(set, ref);
}

function describe(file: OpenFile): SourceFile {
  let path = file.path;
  try {
    path = realpathSync(file.path);
  } catch {
    // the path was removed since it was opened; the descriptor still identifies the file
  }
  return { path, dev: file.dev, ino: file.ino };
}

/**
 * The files `loadModel` read `model` from (the model file first, then its external data
 * files, as absolute paths); empty for a model that was not loaded from a file.
 */
export function sourceFilesOf(model: ModelProto): string[] {
  const set = setOfModel.get(model);
  return set ? [set.model.path, ...set.data.map((f) => f.path)] : [];
}

/** Every load whose files some live model or payload may still read. */
export function liveSourceFileSets(): SourceFileSet[] {
  const sets: SourceFileSet[] = [];
  for (const ref of liveSets) {
    const set = ref.deref();
    if (set) sets.push(set);
  }
  return sets;
}

/** The identity of the file at `path` now (following links), or undefined where there is none. */
export function fileIdentity(path: string): { dev: number; ino: number } | undefined {
  try {
    const stats = statSync(path);
    return { dev: stats.dev, ino: stats.ino };
  } catch {
    return undefined;
  }
}

export function sameFile(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}
