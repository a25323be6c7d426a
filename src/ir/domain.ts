/**
 * Operator domains: the default domain is spelled "" or "ai.onnx"; every comparison of domains
 * in ir, schema and convert goes through `normalizeDomain` so both spellings mean the same, and
 * so does finding the opset a model or function imports for a domain.
 */

import type { OperatorSetIdProto } from '../proto/onnx.js';

/** "" for the default domain, whichever way the model spells it. */
export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** True for the default ONNX domain ("" or "ai.onnx"). */
export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** The version `opsets` import for `domain` (either spelling of the default domain); undefined when none. */
export function opsetVersion(opsets: readonly OperatorSetIdProto[], domain: string): number | undefined {
  const wanted = normalizeDomain(domain);
  for (const entry of opsets) if (normalizeDomain(entry.domain) === wanted) return Number(entry.version);
  return undefined;
}

/** The key of an operator in tables and messages: `Op` in the default domain, else `domain::Op`. */
export function opKey(domain: string, opType: string): string {
  const normalized = normalizeDomain(domain);
  return normalized ? `${normalized}::${opType}` : opType;
}
