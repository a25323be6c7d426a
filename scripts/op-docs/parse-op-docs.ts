/**
 * Parses the operator documents of ONNX (docs/Changelog.md, docs/Changelog-ml.md) and
 * onnxruntime (docs/ContribOperators.md) into operator schemas: for each operator version its
 * inputs and outputs (name, optional, variadic, type or type parameter), its type constraints
 * and its attributes. Used only by `npm run gen:ops`, which commits the result.
 */

export interface FormalParameter {
  name: string;
  optional: boolean;
  variadic: boolean;
  /** A variadic parameter whose values may differ in type. */
  heterogeneous: boolean;
  /** A type parameter name ("T") or a concrete type string ("tensor(int64)"). */
  type: string;
}

export interface AttributeSpec {
  name: string;
  /** As documented: "int", "float", "string", "graph", "tensor", "list of ints", ... */
  type: string;
  required: boolean;
  /** The documented default, as text; undefined when none is documented. */
  defaultValue?: string;
}

export interface ParsedSchema {
  /** "" for the default ONNX domain. */
  domain: string;
  opType: string;
  sinceVersion: number;
  /** True for a version that marks the operator deprecated (no schema from that version on). */
  deprecated: boolean;
  inputs: FormalParameter[];
  outputs: FormalParameter[];
  /** Type parameter -> allowed type strings, in document order. */
  typeConstraints: Record<string, string[]>;
  attributes: AttributeSpec[];
}

const HEADING = /^### <a name="([^"]+)"><\/a>/;
/** "## Version 3 of the 'ai.onnx.ml' operator set" (or "of the default ONNX operator set"). */
const OPSET_HEADING = /^## Version \d+ of the (?:default ONNX operator set|'([^']+)' operator set)/;
const EXPERIMENTAL = 'No versioning maintained for experimental ops.';
const VERSION_SENTENCE =
  /This version of the operator has been (available|deprecated) since version (\d+) of the (?:default ONNX operator set|'([^']+)' operator set)/;

/** Parses one document; throws with the heading of a section it cannot read. */
export function parseOperatorDocument(markdown: string): ParsedSchema[] {
  const schemas: ParsedSchema[] = [];
  const lines = markdown.split('\n');
  let start = -1;
  let setDomain = '';
  let sectionDomain = '';
  for (let i = 0; i <= lines.length; i++) {
    const set = i < lines.length ? OPSET_HEADING.exec(lines[i]!) : null;
    if (i === lines.length || set || HEADING.test(lines[i]!)) {
      if (start >= 0) schemas.push(parseSection(lines.slice(start, i), sectionDomain));
      start = set ? -1 : i;
      if (set) setDomain = set[1] ?? '';
      sectionDomain = setDomain;
    }
  }
  return schemas;
}

/** One operator version; `setDomain` is the domain of the enclosing "## Version" heading. */
function parseSection(lines: string[], setDomain: string): ParsedSchema {
  const anchor = HEADING.exec(lines[0]!)![1]!;
  const text = lines.join('\n');
  const version = VERSION_SENTENCE.exec(text);
  const anchorVersion = /-(\d+)$/.exec(anchor);
  // Experimental operators state no version: the anchor's suffix and the section's opset say it.
  if (!version && !(text.includes(EXPERIMENTAL) && anchorVersion)) throw new Error(`operator docs: no version sentence under "${anchor}"`);
  const domain = version ? (version[3] ?? '') : setDomain;
  const sinceVersion = Number(version ? version[2] : anchorVersion![1]);
  const opType = opTypeFromAnchor(anchor, domain);
  const sections = subsections(lines.slice(1));
  return {
    domain,
    opType,
    sinceVersion,
    deprecated: version?.[1] === 'deprecated',
    inputs: parseFormals(sections.get('Inputs'), anchor),
    outputs: parseFormals(sections.get('Outputs'), anchor),
    typeConstraints: parseConstraints(sections.get('Type Constraints'), anchor),
    attributes: parseAttributes(sections.get('Attributes'), anchor),
  };
}

/** "Add-14" -> "Add"; "ai.onnx.ml.Scaler-1" -> "Scaler"; "com.microsoft.Attention" -> "Attention". */
function opTypeFromAnchor(anchor: string, domain: string): string {
  let name = anchor.replace(/-\d+$/, '');
  if (domain && name.startsWith(`${domain}.`)) name = name.slice(domain.length + 1);
  return name;
}

/** The text under each "#### Title" (counts such as "Inputs (1 - 3)" dropped from the title). */
function subsections(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  let title: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (title !== undefined) out.set(title, body.join('\n'));
  };
  for (const line of lines) {
    const heading = /^#### ([A-Za-z ]+?)(?: \(.*\))?\s*$/.exec(line);
    if (heading) {
      flush();
      title = heading[1]!;
      body = [];
    } else {
      body.push(line);
    }
  }
  flush();
  return out;
}

/** The `<dt>...</dt>` terms of a definition list, whitespace collapsed. */
function definitionTerms(text: string | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(/<dt>([\s\S]*?)<\/dt>/g)].map((m) => m[1]!.replace(/\s+/g, ' ').trim());
}

function parseFormals(text: string | undefined, anchor: string): FormalParameter[] {
  return definitionTerms(text).map((term) => {
    const match = /^<tt>([^<]*)<\/tt>\s*(?:\(([^)]*)\))?\s*:\s*(.+)$/.exec(term);
    if (!match) throw new Error(`operator docs: cannot read parameter "${term}" of "${anchor}"`);
    const flags = (match[2] ?? '').split(',').map((f) => f.trim());
    return {
      name: match[1]!,
      optional: flags.includes('optional'),
      variadic: flags.includes('variadic'),
      heterogeneous: flags.includes('heterogeneous'),
      type: normalizeType(match[3]!),
    };
  });
}

function parseConstraints(text: string | undefined, anchor: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const term of definitionTerms(text)) {
    const match = /^<tt>([^<]*)<\/tt>\s*:\s*(.*)$/.exec(term);
    if (!match) throw new Error(`operator docs: cannot read type constraint "${term}" of "${anchor}"`);
    out[match[1]!] = splitTypeList(match[2]!).map(normalizeType);
  }
  return out;
}

function parseAttributes(text: string | undefined, anchor: string): AttributeSpec[] {
  return definitionTerms(text).map((term) => {
    const match = /^<tt>([^<]*)<\/tt>\s*:\s*([a-z_ ]+?)\s*(?:\((required|default is ([\s\S]*))\))?$/.exec(term);
    if (!match) throw new Error(`operator docs: cannot read attribute "${term}" of "${anchor}"`);
    const spec: AttributeSpec = { name: match[1]!, type: match[2]!, required: match[3] === 'required' };
    if (match[4] !== undefined) spec.defaultValue = match[4].trim();
    return spec;
  });
}

/** Splits "tensor(a), seq(tensor(b)), map(int64, tensor(c))" at top-level commas. */
export function splitTypeList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current.trim()) out.push(current);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Removes spaces: "map(int64, tensor(float))" -> "map(int64,tensor(float))". */
export function normalizeType(type: string): string {
  return type.replace(/\s+/g, '');
}
