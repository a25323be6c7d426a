/**
 * `onnx-float16 inspect MODEL [--json]`: the model's summary, as text on stdout or as JSON.
 */
import { statSync } from 'node:fs';
import { listValueTypes, loadModel, summarizeModel, type ModelSummary, type TensorTypeSummary, type TypeWarning, type ValueTypeEntry } from '../node.js';
import { formatBytes, formatShape, formatTable } from './format.js';
import { parseCommandArgs } from './parse-command-args.js';
import { writeLine, type CliStreams } from './streams.js';
import { UsageError } from './usage-error.js';

export const INSPECT_HELP = `Usage: onnx-float16 inspect MODEL [--types] [--json]

Shows what a model holds: IR version, opsets, producer, node count (subgraphs
included), operators by domain, graph inputs and outputs with element types and
shapes, initializers by data type, and external data files.

Options:
  --types   list every tensor (subgraphs and functions included) with its element
            type and where the type came from: declared, inferred or unknown
  --json    print the report as JSON on stdout (with --types: a "values" array of
            { graph, name, elemType, source })
  -h, --help`;

export async function inspectCommand(args: string[], io: CliStreams): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, types: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const out = (text: string) => writeLine(io.stdout, text);
  if (values.help) {
    out(INSPECT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`inspect takes one model file, got ${positionals.length}`);
  const path = positionals[0]!;
  const model = await loadModel(path);
  const summary = summarizeModel(model);
  const fileBytes = statSync(path).size;
  const types = values.types ? listValueTypes(model) : undefined;
  if (values.json) {
    out(JSON.stringify({ file: path, fileBytes, ...summary, ...(types ? { values: types.values, typeWarnings: types.warnings } : {}) }, null, 2));
  } else {
    out(formatSummary(path, fileBytes, summary));
    if (types) out(formatTypes(types.values, types.warnings));
  }
  return 0;
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
  lines.push(formatTable(s.ops.map((op) => [String(op.count), op.domain ? `${op.domain}::${op.opType}` : op.opType])));
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

function formatTypes(values: readonly ValueTypeEntry[], warnings: readonly TypeWarning[]): string {
  const lines: string[] = [''];
  const unknown = values.filter((v) => v.source === 'unknown').length;
  lines.push(`Tensor types: ${values.length} values, ${unknown} unknown`);
  let graph: string | undefined;
  let rows: string[][] = [];
  const flush = () => {
    if (graph !== undefined && rows.length > 0) lines.push(`${graph === '' ? 'main graph' : graph}:`, formatTable(rows));
    rows = [];
  };
  for (const v of values) {
    if (v.graph !== graph) {
      flush();
      graph = v.graph;
    }
    const type = v.elemType === null ? '?' : v.kind ? `${v.kind}(${v.elemType})` : v.elemType;
    rows.push([v.name, type, v.source + (v.reason ? `: ${v.reason}` : '')]);
  }
  flush();
  for (const w of warnings) lines.push(`warning: ${w.message}`);
  return lines.join('\n');
}

function formatPort(port: TensorTypeSummary): string[] {
  const type = port.kind === null ? 'undeclared' : port.kind === 'tensor' ? (port.elemType ?? '?') : `${port.kind}(${port.elemType ?? '?'})`;
  return [port.name, type, port.kind === 'map' ? '' : formatShape(port.shape)];
}
