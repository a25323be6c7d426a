/**
 * Node block lists from a file (`--node-block-list @FILE`): one node name or address per line
 * (`#` starts a comment), or JSON, either a list of names or an object with a `nodeBlockList`
 * list (as `auto --save-block-list` writes).
 */
import { readFileSync } from 'node:fs';
import { OptionsError } from '../errors.js';

/** The node names in the file at `path`; a one-line OptionsError naming the file when it cannot be used. */
export function readNodeBlockList(path: string): string[] {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (error as Error).message;
    throw new OptionsError(`node block list ${path}: ${reason}`, { cause: error });
  }
  const trimmed = content.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) {
    return trimmed.split(/\r?\n/).map((s) => s.trim()).filter((s) => s && !s.startsWith('#'));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (error) {
    throw new OptionsError(`node block list ${path}: malformed JSON (${(error as Error).message})`, { cause: error });
  }
  const names = Array.isArray(parsed) ? parsed : (parsed as { nodeBlockList?: unknown } | null)?.nodeBlockList;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw new OptionsError(`node block list ${path}: holds no list of node names (expected ["name", ...] or { "nodeBlockList": [...] })`);
  }
  return names;
}
