/** A kept node's reason, read in this one place: the report carries it as data, rendered here. */
import { describeReason, type KeptNodeRecord } from '../src/index.js';

/** The reason as a group (what nodes are listed under) and the full text; groups leave quoted value names out. */
export function keptNodeReason(record: KeptNodeRecord): { group: string; text: string } {
  const text = describeReason(record.reason);
  return { group: text.replace(/"[^"]*"/g, '"…"'), text };
}
