/**
 * `onnx-float16 inspect MODEL [--json]`: the model's summary, as text on stdout or as JSON.
 */
import { statSync } from 'node:fs';
import { listValueTypes, loadModel, runtimeReport, summarizeModel, type ModelSummary, type RuntimeName, type RuntimeReport, type TensorTypeSummary, type ValueTypeEntry } from '../node.js';
import { RUNTIME_NAMES, valueTypes, type ValueTypeWalk } from '../low-level.js';
import { formatBytes, formatOp, formatShape, formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { writeLine, type CliStreams, type TextStream } from './streams.js';
import { UsageError } from './usage-error.js';

export const INSPECT_HELP = `Usage: onnx-float16 inspect MODEL [--types] [--runtime NAME] [--json]

Shows what a model holds: IR version, opsets, producer, node count (subgraphs
included), operators by domain, graph inputs and outputs with element types and
shapes, initializers by data type, and external data files.

Options:
  --types   list every tensor (subgraphs and functions included) with its element
            type and where the type came from: declared, inferred or unknown
  --runtime NAME
            list the nodes onnxruntime's provider NAME (ort-cpu, ort-cuda, ort-dml,
            ort-webgpu, ort-webnn) would not run in float16/bfloat16, by operator and
            reason: those it leaves to the CPU and those that make the model fail to
            load (from onnxruntime's published kernel tables)
  --json    print the report as JSON on stdout (with --types: a "values" array of
            { graph, name, elemType, source }; with --runtime: a "runtime" object)
  -h, --help`;

export async function inspectCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, types: { type: 'boolean' }, runtime: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  const out = (text: string) => writeLine(io.stdout, text);
  if (values.help) {
    out(INSPECT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`inspect takes one model file, got ${positionals.length}`);
  const path = positionals[0]!;
  const runtimeChoice = values.runtime === undefined ? undefined : runtimeName(values.runtime);
  const model = await loadModel(path);
  const summary = summarizeModel(model);
  const fileBytes = statSync(path).size;
  if (values.json) {
    const types = values.types ? listValueTypes(model) : undefined;
    const runtime = runtimeChoice && runtimeReport(model, runtimeChoice);
    out(JSON.stringify({ file: path, fileBytes, ...summary, ...(types ? { values: types.values, typeWarnings: types.warnings } : {}), ...(runtime ? { runtime } : {}) }, null, 2));
  } else {
    // The type list is written as it is walked: one line per tensor, never all of them at once.
    const types = values.types ? valueTypes(model) : undefined;
    const runtime = runtimeChoice && runtimeReport(model, runtimeChoice);
    out(formatSummary(path, fileBytes, summary));
    if (types) writeTypes(io.stdout, types);
    if (runtime) out(formatRuntimeReport(runtime));
  }
  return 0;
}

function runtimeName(name: string): RuntimeName {
  if (!(RUNTIME_NAMES as readonly string[]).includes(name)) throw new UsageError(`--runtime: unknown runtime "${name}" (expected one of ${RUNTIME_NAMES.join(', ')})`);
  return name as RuntimeName;
}

function formatRuntimeReport(r: RuntimeReport): string {
  const lines: string[] = [''];
  const opName = (o: { domain: string; opType: string }) => formatOp(o.domain, o.opType);
  lines.push(`Runtime ${r.runtime} (${r.runtimeLabel}): ${r.nodes.length} float16/bfloat16 nodes it leaves to the CPU or refuses, of ${r.nodeCount} nodes`);
  lines.push(`  ${r.supported} run; ${r.removedOnLoad} removed when onnxruntime loads the model (constant folding, Identity elimination, function inlining)`);
  if (r.byOp.length > 0) lines.push(formatTable(r.byOp.map((g) => [String(g.count), opName(g), g.outcome === 'fallback' ? 'falls back' : 'REFUSED', g.reason])));
  if (r.computedInFloat32.length > 0) {
    lines.push(`Of those, run in float32 between Casts onnxruntime inserts (no float16 kernel): ${r.computedInFloat32.reduce((n, o) => n + o.count, 0)} nodes`);
    lines.push(formatTable(r.computedInFloat32.map((o) => [String(o.count), opName(o)])));
  }
  if (r.otherNodes.length > 0) {
    const counts = new Map<string, number>();
    for (const n of r.otherNodes) {
      const label = `${opName(n)} (${n.outcome === 'fallback' ? 'falls back' : 'REFUSED'})`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    lines.push(`Nodes without float16/bfloat16 types it does not run either: ${r.otherNodes.length}`);
    lines.push(formatTable([...counts].map(([op, count]) => [String(count), op])));
  }
  if (r.unknown.length > 0) lines.push(`Operators no runtime table covers (custom or unknown): ${[...new Set(r.unknown.map(opName))].join(', ')} (${r.unknown.length} nodes)`);
  if (r.notes.length > 0) {
    lines.push(`Notes of the ${r.runtimeLabel} operator list (not checked):`);
    lines.push(formatTable(r.notes.map((n) => [opName(n), n.note])));
  }
  return lines.join('\n');
}

function formatSummary(path: string, fileBytes: number, s: ModelSummary): string {
  const lines: string[] = [];
  lines.push(`${path}  (${formatBytes(fileBytes)})`);
  lines.push(`  IR version ${s.irVersion}; opsets ${s.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}`);
  if (s.producer.name || s.producer.version) lines.push(`  producer ${[s.producer.name, s.producer.version].filter(Boolean).join(' ')}`);
  const sub = s.subgraphCount > 0 ? ` (with ${s.subgraphCount} subgraph${s.subgraphCount === 1 ? '' : 's'})` : '';
  lines.push(`  ${s.nodeCount} nodes${sub}${s.functions.length > 0 ? `; ${s.functions.length} local functions with ${s.functionNodeCount} nodes` : ''}`);
  lines.push('');
  lines.push('Operators:');
  lines.push(formatTable(s.ops.map((op) => [String(op.count), formatOp(op.domain, op.opType)])));
  lines.push('');
  lines.push('Inputs:');
  lines.push(formatTable(s.inputs.map(formatPort)));
  lines.push('Outputs:');
  lines.push(formatTable(s.outputs.map(formatPort)));
  lines.push('');
  lines.push(`Initializers: ${s.initializers.count}, ${formatBytes(s.initializers.bytes)}`);
  if (s.initializers.count > 0) lines.push(formatTable(s.initializers.byType.map((t) => [t.elemType, String(t.count), formatBytes(t.bytes)])));
  if (s.constants.count > 0) {
    lines.push(`Constants (tensors in node attributes): ${s.constants.count}, ${formatBytes(s.constants.bytes)}`);
    lines.push(formatTable(s.constants.byType.map((t) => [t.elemType, String(t.count), formatBytes(t.bytes)])));
  }
  if (s.externalData.length > 0) {
    lines.push('External data:');
    lines.push(formatTable(s.externalData.map((f) => [f.location, `${f.tensors} tensors`, formatBytes(f.bytes)])));
  }
  return lines.join('\n');
}

/**
 * The type list: one table per graph, as formatTable would lay it out (names and types padded to
 * their column's width), written in pieces: a first walk measures the columns, a second writes.
 */
function writeTypes(stream: TextStream, types: ValueTypeWalk): void {
  let count = 0;
  let unknown = 0;
  // Per run of values of one graph (a table): the widths of its name and type columns.
  const widths: [number, number][] = [];
  let graph: string | undefined;
  for (const v of types.entries()) {
    count++;
    if (v.source === 'unknown') unknown++;
    if (v.graph !== graph || widths.length === 0) {
      graph = v.graph;
      widths.push([0, 0]);
    }
    const width = widths[widths.length - 1]!;
    width[0] = Math.max(width[0], v.name.length);
    width[1] = Math.max(width[1], typeCell(v).length);
  }
  let text = `\nTensor types: ${count} values, ${unknown} unknown`;
  let table = -1;
  graph = undefined;
  for (const v of types.entries()) {
    if (v.graph !== graph || table < 0) {
      graph = v.graph;
      table++;
      text += `\n${graph === '' ? 'main graph' : graph}:`;
    }
    const [nameWidth, typeWidth] = widths[table]!;
    text += `\n  ${v.name.padEnd(nameWidth)}  ${typeCell(v).padEnd(typeWidth)}  ${v.source}${v.reason ? `: ${v.reason}` : ''}`;
    if (text.length >= 1 << 16) {
      stream.write(text);
      text = '';
    }
  }
  for (const w of types.warnings) text += `\nwarning: ${w.message}`;
  stream.write(`${text}\n`);
}

function typeCell(v: ValueTypeEntry): string {
  return v.elemType === null ? '?' : v.kind ? `${v.kind}(${v.elemType})` : v.elemType;
}

function formatPort(port: TensorTypeSummary): string[] {
  const type = port.kind === null ? 'undeclared' : port.kind === 'tensor' ? (port.elemType ?? '?') : `${port.kind}(${port.elemType ?? '?'})`;
  return [port.name, type, port.kind === 'map' ? '' : formatShape(port.shape)];
}
