/**
 * Parses onnxruntime's published operator tables into kernel registrations:
 * docs/OperatorKernels.md (per execution provider CPU, CUDA, DirectML: operator, domain, opset
 * range and the types each type parameter supports) and js/web/docs/webgpu-operators.md /
 * webnn-operators.md (operator, domains and opset ranges; no types). Used only by
 * `npm run gen:runtimes`, which commits the result.
 */
import { splitTypeList } from '../op-docs/parse-op-docs.js';

export interface KernelRange {
  /** First opset version of the registration. */
  from: number;
  /** Last opset version, or undefined for "and above". */
  to: number | undefined;
}

export interface KernelRegistration extends KernelRange {
  /** onnxruntime's provider name, e.g. "CPUExecutionProvider". */
  provider: string;
  /** "" for the default ONNX domain (written "ai.onnx" in the documents). */
  domain: string;
  opType: string;
  /** Type parameter -> supported type strings; undefined where the document lists no types (web providers). */
  types: Record<string, string[]> | undefined;
  /** The document's comment on the operator (web providers), if any. */
  comment?: string;
}

const PROVIDER_HEADING = /^## Operators implemented by (\w+)\s*$/;
const DOMAIN_ROW = /^\|\*\*Operator Domain:\*\* \*([^*]+)\*\|/;

/** "13+", "[7, 12]" or "13" (a kernel table cell); "13+", "7-12" or "13" (a web table entry). */
export function parseRange(text: string): KernelRange {
  const t = text.trim();
  let match = /^\[(\d+),\s*(\d+)\]$/.exec(t) ?? /^(\d+)-(\d+)$/.exec(t);
  if (match) return { from: Number(match[1]), to: Number(match[2]) };
  match = /^(\d+)\+$/.exec(t);
  if (match) return { from: Number(match[1]), to: undefined };
  match = /^(\d+)$/.exec(t);
  if (match) return { from: Number(match[1]), to: Number(match[1]) };
  throw new Error(`runtime docs: cannot read opset range "${text}"`);
}

function normalizeDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}

/** "**T** = tensor(double), tensor(float)<br/> **T1** = tensor(bool)": parameter -> types. */
export function parseTypeCell(text: string, where: string): Record<string, string[]> {
  const types: Record<string, string[]> = {};
  for (const part of text.split('<br/>')) {
    if (part.trim() === '') continue;
    const match = /^\s*\*\*([^*]+)\*\*\s*=\s*(.*)$/.exec(part);
    if (!match) throw new Error(`runtime docs: cannot read types "${part.trim()}" of ${where}`);
    types[match[1]!] = splitTypeList(match[2]!).map((t) => t.replace(/\s+/g, ''));
  }
  return types;
}

/** Parses docs/OperatorKernels.md; throws naming the line it cannot read. */
export function parseKernelDocument(markdown: string): KernelRegistration[] {
  const registrations: KernelRegistration[] = [];
  let provider: string | undefined;
  let domain: string | undefined;
  let opType: string | undefined;
  markdown.split('\n').forEach((line, i) => {
    const heading = PROVIDER_HEADING.exec(line);
    if (heading) {
      provider = heading[1]!;
      domain = undefined;
      opType = undefined;
      return;
    }
    if (!provider || !line.startsWith('|')) return;
    const domainRow = DOMAIN_ROW.exec(line);
    if (domainRow) {
      domain = normalizeDomain(domainRow[1]!);
      opType = undefined;
      return;
    }
    const cells = line.split('|').slice(1, -1);
    if (cells.length !== 4 || cells[0]!.trim() === 'Op Name' || /^-+$/.test(cells[0]!)) return;
    if (domain === undefined) throw new Error(`runtime docs: line ${i + 1} lists an operator before any "Operator Domain" row`);
    const [name, , range, types] = cells as [string, string, string, string];
    if (name !== '') opType = name.trim();
    if (!opType) throw new Error(`runtime docs: line ${i + 1} continues an operator that was never named`);
    const where = `${opType} (${provider}, line ${i + 1})`;
    registrations.push({ provider, domain, opType, ...parseRange(range), types: parseTypeCell(types, where) });
  });
  return registrations;
}

/**
 * Parses a web provider's table ("| Abs | ai.onnx(6-12,13+); com.ms.internal.nhwc(7+) | ... | comment |")
 * as registrations of `provider`, one per domain and range; the last column is the comment.
 */
export function parseWebDocument(markdown: string, provider: string): KernelRegistration[] {
  const registrations: KernelRegistration[] = [];
  let header: string[] | undefined;
  markdown.split('\n').forEach((line, i) => {
    if (!line.startsWith('|')) return;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (!header) {
      header = cells;
      if (cells[0] !== 'Operator' || cells[1] !== 'Opset') throw new Error(`runtime docs: line ${i + 1}: expected a table with columns "Operator | Opset", got "${line}"`);
      return;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) return;
    const [opType, opsets] = cells as [string, string];
    const comment = header.length > 2 ? cells[header.length - 1] : undefined;
    for (const group of opsets.split(';')) {
      const match = /^\s*([\w.]+)\(([^)]*)\)\s*$/.exec(group);
      if (!match) throw new Error(`runtime docs: cannot read opsets "${group.trim()}" of ${opType} (${provider}, line ${i + 1})`);
      for (const range of match[2]!.split(',')) {
        const registration: KernelRegistration = { provider, domain: normalizeDomain(match[1]!), opType, ...parseRange(range), types: undefined };
        if (comment) registration.comment = comment;
        registrations.push(registration);
      }
    }
  });
  if (!header) throw new Error(`runtime docs: no operator table found for ${provider}`);
  return registrations;
}

export interface FunctionOperator {
  /** "" for the default ONNX domain. */
  domain: string;
  opType: string;
  /** The opset versions at which the operator's function body was (re)defined, ascending. */
  functionVersions: number[];
}

const INDEX_DOMAIN_HEADING = /^### ([\w.]+)(?: \(default\))?\s*$/;
const FUNCTION_INDEX_HEADER = '|**Function**|**Since version**|**Function version**|';

/**
 * The operators ONNX defines as functions, from the index at the top of docs/Operators.md
 * ("|**Function**|**Since version**|**Function version**|" rows under each domain heading):
 * onnxruntime runs such an operator as its function body when no kernel takes its types.
 */
export function parseFunctionIndex(markdown: string): FunctionOperator[] {
  const functions: FunctionOperator[] = [];
  let domain: string | undefined;
  let inFunctions = false;
  for (const [i, line] of markdown.split('\n').entries()) {
    if (line.startsWith('## ') && domain !== undefined) break; // the index ends where the operator sections begin
    const heading = INDEX_DOMAIN_HEADING.exec(line);
    if (heading) {
      domain = normalizeDomain(heading[1]!);
      inFunctions = false;
      continue;
    }
    if (line.trim() === FUNCTION_INDEX_HEADER) {
      inFunctions = true;
      continue;
    }
    if (!inFunctions || !line.startsWith('|')) {
      if (line.trim() === '') inFunctions = false;
      continue;
    }
    const cells = line.split('|').slice(1, -1);
    const name = cells[0]?.replace(/<sub>[^<]*<\/sub>/g, '').replace(/<[^>]+>/g, '').trim() ?? '';
    const versions = (cells[2] ?? '').split(',').map((v) => Number(v.trim()));
    if (!name || cells.length !== 3 || versions.some((v) => !Number.isInteger(v) || v <= 0)) {
      throw new Error(`operator index: cannot read function row "${line}" (line ${i + 1})`);
    }
    // An experimental operator is written with its domain ("ai.onnx.preview.FlexAttention").
    const opType = domain && name.startsWith(`${domain}.`) ? name.slice(domain.length + 1) : name;
    functions.push({ domain: domain ?? '', opType, functionVersions: versions.sort((a, b) => a - b) });
  }
  return functions;
}
