/**
 * External data (onnx/docs/ExternalData.md) on the file system, with the checks of
 * onnx/docs/ExternalDataSecurity.md: a location must be relative, must stay inside the model's
 * folder after resolving `..` and symbolic links, must not be a symbolic link itself nor a file
 * with several hard links, and offset/length must be plain non-negative integers inside the file.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ExternalDataError } from '../errors.js';
import type { StringStringEntryProto, TensorProto } from '../proto/onnx.js';
import { OpenFile } from './file-source.js';

/** The `external_data` entries of a tensor, as the spec defines them. */
export interface ExternalDataInfo {
  location: string;
  offset: number;
  /** Undefined when the entry is absent: the data runs to the end of the file. */
  length: number | undefined;
}

/** Reads and validates a tensor's `external_data` entries. */
export function parseExternalDataInfo(tensor: TensorProto, modelPath: string): ExternalDataInfo {
  const entries = new Map<string, string>();
  for (const entry of tensor.externalData as StringStringEntryProto[]) entries.set(entry.key, entry.value);
  const location = entries.get('location');
  const where = `${modelPath}: tensor "${tensor.name}"`;
  if (!location) throw new ExternalDataError(`${where} has data_location EXTERNAL but no "location" in external_data`);
  return {
    location,
    offset: parseCount(entries.get('offset') ?? '0', 'offset', where),
    length: entries.has('length') ? parseCount(entries.get('length')!, 'length', where) : undefined,
  };
}

function parseCount(text: string, key: string, where: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ExternalDataError(`${where}: external_data "${key}" is "${text}", not a non-negative integer`);
  }
  return Number(text);
}

/**
 * Checks that `location` is a relative path that stays inside `baseDir` once `..` is resolved.
 * Used for reading and for writing. Returns the absolute path.
 */
export function containedPath(baseDir: string, location: string, what: string): string {
  if (isAbsolute(location) || /^[a-zA-Z]:[\\/]/.test(location) || location.startsWith('\\')) {
    throw new ExternalDataError(`${what}: external data location "${location}" is an absolute path; only paths relative to the model's folder are allowed`);
  }
  const full = resolve(baseDir, location);
  const rel = relative(resolve(baseDir), full);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ExternalDataError(`${what}: external data location "${location}" escapes the model's folder ${baseDir}`);
  }
  return full;
}

/**
 * Resolves a location for reading: containment (also through symbolic links in any component),
 * no symbolic link as the file itself, no hard-linked file, then an open that does not follow
 * links and is checked to be the same file that was validated.
 */
export function openExternalDataFile(baseDir: string, location: string, what: string): OpenFile {
  const full = containedPath(baseDir, location, what);
  let link;
  try {
    link = lstatSync(full);
  } catch {
    throw new ExternalDataError(`${what}: external data file "${location}" not found (looked for ${full})`);
  }
  if (link.isSymbolicLink()) {
    throw new ExternalDataError(`${what}: external data file "${location}" is a symbolic link, which is refused for safety`);
  }
  const canonicalBase = realpathSync(baseDir);
  const canonical = realpathSync(full);
  const rel = relative(canonicalBase, canonical);
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new ExternalDataError(`${what}: external data file "${location}" resolves through a symbolic link to ${canonical}, outside the model's folder`);
  }
  if (!link.isFile()) throw new ExternalDataError(`${what}: external data location "${location}" is not a regular file`);
  if (link.nlink > 1) {
    throw new ExternalDataError(`${what}: external data file "${location}" has ${link.nlink} hard links, which is refused for safety`);
  }
  const file = OpenFile.open(canonical, true);
  const checked = statSync(canonical);
  if (checked.ino !== file.ino || checked.dev !== file.dev) {
    throw new ExternalDataError(`${what}: external data file "${location}" changed while it was being opened`);
  }
  return file;
}

/** The folder external data paths are relative to. */
export function modelFolder(modelPath: string): string {
  return dirname(resolve(modelPath));
}
