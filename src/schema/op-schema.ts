/**
 * Operator schemas at a model's opset: the generated table (op-schemas.generated.ts) indexed by
 * domain and operator. A row is
 * `[domain, opType, sinceVersion, deprecated, inputs, outputs, typeConstraints, attributes]` with
 * formals `[name, flags (1 optional, 2 variadic, 4 heterogeneous), type]`, constraints
 * `[parameter, index into TYPE_LISTS]` and attributes `[name, type, required, default?]`.
 */
import { SCHEMA_ROWS, TYPE_LISTS } from './op-schemas.generated.js';
import { normalizeDomain } from '../ir/domain.js';

export interface Formal {
  readonly name: string;
  readonly optional: boolean;
  readonly variadic: boolean;
  readonly heterogeneous: boolean;
  /** A type parameter ("T") or a concrete type ("tensor(int64)"). */
  readonly type: string;
}

export interface AttributeSchema {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly defaultValue: string | undefined;
}

export interface OpSchema {
  readonly domain: string;
  readonly opType: string;
  readonly sinceVersion: number;
  readonly deprecated: boolean;
  readonly inputs: readonly Formal[];
  readonly outputs: readonly Formal[];
  /** Allowed types of each type parameter. */
  readonly typeConstraints: ReadonlyMap<string, ReadonlySet<string>>;
  readonly attributes: readonly AttributeSchema[];
}

type FormalRow = [string, number, string];
type Row = [string, string, number, number, FormalRow[], FormalRow[], [string, number][], [string, string, number, string?][]];

let index: Map<string, Map<string, OpSchema[]>> | undefined;

function buildIndex(): Map<string, Map<string, OpSchema[]>> {
  const typeSets = TYPE_LISTS.map((list) => new Set(list.split('|')));
  const formal = ([name, flags, type]: FormalRow): Formal => ({
    name,
    optional: (flags & 1) !== 0,
    variadic: (flags & 2) !== 0,
    heterogeneous: (flags & 4) !== 0,
    type,
  });
  const byDomain = new Map<string, Map<string, OpSchema[]>>();
  for (const raw of SCHEMA_ROWS) {
    const [domain, opType, sinceVersion, deprecated, inputs, outputs, constraints, attributes] = raw as Row;
    const schema: OpSchema = {
      domain,
      opType,
      sinceVersion,
      deprecated: deprecated === 1,
      inputs: inputs.map(formal),
      outputs: outputs.map(formal),
      typeConstraints: new Map(constraints.map(([param, list]) => [param, typeSets[list]!])),
      attributes: attributes.map(([name, type, required, defaultValue]) => ({ name, type, required: required === 1, defaultValue })),
    };
    let ops = byDomain.get(domain);
    if (!ops) byDomain.set(domain, (ops = new Map()));
    let versions = ops.get(opType);
    if (!versions) ops.set(opType, (versions = []));
    versions.push(schema);
  }
  for (const ops of byDomain.values()) for (const versions of ops.values()) versions.sort((a, b) => a.sinceVersion - b.sinceVersion);
  return byDomain;
}

/** Whether the table knows the domain at all (custom domains are unknown). */
export function isKnownDomain(domain: string): boolean {
  index ??= buildIndex();
  return index.has(normalizeDomain(domain));
}

/** Every version of an operator the table knows, oldest first. */
export function schemaVersions(domain: string, opType: string): readonly OpSchema[] {
  index ??= buildIndex();
  return index.get(normalizeDomain(domain))?.get(opType) ?? [];
}

/** The operator names the table knows in a domain (empty for unknown domains). */
export function operatorNames(domain: string): readonly string[] {
  index ??= buildIndex();
  return [...(index.get(normalizeDomain(domain))?.keys() ?? [])];
}

export type SchemaLookup = { schema: OpSchema } | { schema: undefined; reason: string };

/**
 * The schema in force for `domain::opType` at `opsetVersion`: the newest version not above it.
 * Otherwise a reason: unknown domain or operator, not yet introduced, or deprecated.
 */
export function lookupSchema(domain: string, opType: string, opsetVersion: number | undefined): SchemaLookup {
  const versions = schemaVersions(domain, opType);
  if (versions.length > 0 && opsetVersion !== undefined) {
    // The common case first, without building any message.
    let found: OpSchema | undefined;
    for (const schema of versions) if (schema.sinceVersion <= opsetVersion) found = schema;
    if (found && !found.deprecated) return { schema: found };
  }
  const name = `${domain ? `${domain}::` : ''}${opType}`;
  if (!isKnownDomain(domain)) return { schema: undefined, reason: `${name}: domain "${domain}" is not in the operator table (custom operator)` };
  if (versions.length === 0) return { schema: undefined, reason: `${name} is not in the operator table` };
  if (opsetVersion === undefined) return { schema: undefined, reason: `${name}: the model imports no opset for domain "${domain || 'ai.onnx'}"` };
  let found: OpSchema | undefined;
  for (const schema of versions) if (schema.sinceVersion <= opsetVersion) found = schema;
  if (!found) return { schema: undefined, reason: `${name} does not exist at opset ${opsetVersion} (introduced in ${versions[0]!.sinceVersion})` };
  if (found.deprecated) return { schema: undefined, reason: `${name} is deprecated since opset ${found.sinceVersion}` };
  return { schema: found };
}
