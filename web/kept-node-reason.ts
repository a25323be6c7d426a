/**
 * A kept node's reason, read in this one place (the report's reason is about to become
 * `{ kind, detail }` data; only this function changes then).
 */
import type { KeptNodeRecord } from '../src/index.js';

/** The reason as a group (what nodes are listed under) and the full text; groups leave quoted value names out. */
export function keptNodeReason(record: KeptNodeRecord): { group: string; text: string } {
  return { group: record.reason.replace(/"[^"]*"/g, '"…"'), text: record.reason };
}
