/**
 * Operator domains: the default domain is spelled "" or "ai.onnx"; every comparison of domains
 * in ir, schema and convert goes through `normalizeDomain` so both spellings mean the same.
 */

/** "" for the default domain, whichever way the model spells it. */
export function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** True for the default ONNX domain ("" or "ai.onnx"). */
export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** The key of an operator in tables and messages: `Op` in the default domain, else `domain::Op`. */
export function opKey(domain: string, opType: string): string {
  const normalized = normalizeDomain(domain);
  return normalized ? `${normalized}::${opType}` : opType;
}
