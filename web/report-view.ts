/**
 * Renders what the worker found: the model summary (as `inspect` prints it) and the conversion
 * report (sizes, bytes by data type as a chart, kept nodes by reason, Casts, clipping, warnings).
 */
import type { ModelSummary } from '../src/index.js';
import { h, table } from './dom.js';
import { formatBytes } from './format-bytes.js';
import { keptNodeReason } from './kept-node-reason.js';
import type { ConvertedMessage } from './protocol.js';

function shape(dims: (number | string | null)[] | null): string {
  return dims === null ? 'unknown rank' : `[${dims.map((d) => d ?? '?').join(', ')}]`;
}

export function renderSummary(summary: ModelSummary): HTMLElement {
  const opsets = summary.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ');
  const producer = [summary.producer.name, summary.producer.version].filter(Boolean).join(' ') || 'unknown';
  return h(
    'div',
    { class: 'summary' },
    h('p', {}, `IR ${summary.irVersion}, opsets ${opsets}; produced by ${producer}. ${summary.nodeCount} nodes` + (summary.subgraphCount ? ` (${summary.subgraphCount} subgraphs)` : '') + (summary.functionNodeCount ? `, ${summary.functionNodeCount} in functions` : '') + '.'),
    table('Inputs', ['name', 'type', 'shape'], summary.inputs.map((v) => [v.name, v.elemType ?? v.kind ?? '?', shape(v.shape)])),
    table('Outputs', ['name', 'type', 'shape'], summary.outputs.map((v) => [v.name, v.elemType ?? v.kind ?? '?', shape(v.shape)])),
    table('Initializers by type', ['type', 'count', 'size'], summary.initializers.byType.map((t) => [t.elemType, t.count, formatBytes(t.bytes)])),
    summary.constants.count > 0 && table('Constants in nodes by type', ['type', 'count', 'size'], summary.constants.byType.map((t) => [t.elemType, t.count, formatBytes(t.bytes)])),
    summary.externalData.length > 0 && table('External data files', ['file', 'tensors', 'size'], summary.externalData.map((e) => [e.location, e.tensors, formatBytes(e.bytes)])),
    table('Operators', ['op', 'count'], summary.ops.map((o) => [o.domain ? `${o.domain}::${o.opType}` : o.opType, o.count])),
  );
}

const TYPE_COLOURS: Record<string, string> = { FLOAT: 'c-float', FLOAT16: 'c-float16', BFLOAT16: 'c-bfloat16', INT64: 'c-int64', INT32: 'c-int32' };

/** Two stacked bars (before, after) on one scale, with a table of the same numbers. */
function bytesChart(before: Record<string, number>, after: Record<string, number>): HTMLElement {
  const types = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => (before[b] ?? 0) + (after[b] ?? 0) - (before[a] ?? 0) - (after[a] ?? 0));
  const totalBefore = Object.values(before).reduce((a, b) => a + b, 0);
  const totalAfter = Object.values(after).reduce((a, b) => a + b, 0);
  const scale = Math.max(totalBefore, totalAfter, 1);
  const bar = (label: string, bytes: Record<string, number>, total: number) =>
    h(
      'div',
      { class: 'chart-row' },
      h('span', { class: 'chart-label' }, label),
      h('div', { class: 'chart-bar', role: 'img', 'aria-label': `${label}: ${types.filter((t) => bytes[t]).map((t) => `${t} ${formatBytes(bytes[t]!)}`).join(', ')}` }, ...types.filter((t) => bytes[t]).map((t) => {
        const segment = h('span', { class: `chart-segment ${TYPE_COLOURS[t] ?? 'c-other'}`, title: `${t}: ${formatBytes(bytes[t]!)}` });
        segment.style.width = `${(100 * bytes[t]!) / scale}%`;
        return segment;
      })),
      h('span', { class: 'chart-total' }, formatBytes(total)),
    );
  return h(
    'figure',
    { class: 'chart' },
    h('figcaption', {}, 'Tensor bytes by data type'),
    bar('Before', before, totalBefore),
    bar('After', after, totalAfter),
    h('ul', { class: 'legend' }, ...types.map((t) => h('li', {}, h('span', { class: `swatch ${TYPE_COLOURS[t] ?? 'c-other'}` }), `${t}: ${formatBytes(before[t] ?? 0)} → ${formatBytes(after[t] ?? 0)}`))),
  );
}

/** Which runtime the conversion targeted and how many nodes it kept float32 for it. */
function runtimeFact(report: ConvertedMessage['report']): string {
  if (report.runtime === 'none') return 'none (the schemas alone decided)';
  const kept = report.keptNodes.filter((k) => k.reason.kind === 'runtime').length;
  return `${report.runtime}, ${kept} node${kept === 1 ? '' : 's'} kept float32 that it would not run in ${report.target}`;
}

export function renderReport(message: ConvertedMessage): HTMLElement {
  const { report } = message;
  const groups = new Map<string, typeof report.keptNodes>();
  for (const kept of report.keptNodes) {
    const { group } = keptNodeReason(kept);
    groups.set(group, [...(groups.get(group) ?? []), kept]);
  }
  const clipped = report.tensors.filter((t) => t.clampedSmall + t.clampedLarge > 0);
  // Fallbacks are listed with the kept nodes and clipping in its own table; the rest are warnings.
  const warnings = report.warnings.filter((w) => w.kind !== 'fallback' && w.kind !== 'clamp');
  const ratio = message.inputBytes > 0 ? ` (${((100 * message.outputBytes) / message.inputBytes).toFixed(0)}%)` : '';
  return h(
    'div',
    {},
    h(
      'ul',
      { class: 'facts' },
      h('li', {}, h('strong', {}, 'Size: '), `${formatBytes(message.inputBytes)} → ${formatBytes(message.outputBytes)}${ratio}`),
      h('li', {}, h('strong', {}, 'Nodes: '), `${report.nodeCount}, ${report.keptNodes.length} kept float32`),
      h('li', { 'data-testid': 'runtime-fact' }, h('strong', {}, 'Runtime: '), runtimeFact(report)),
      h('li', {}, h('strong', {}, 'Casts inserted: '), String(report.casts.length)),
      h('li', {}, h('strong', {}, 'Time: '), `${(message.elapsedMs / 1000).toFixed(2)} s`),
      h('li', { id: 'peak-memory', 'data-testid': 'peak-memory' }, h('strong', {}, 'Peak memory: '), 'measuring…'),
    ),
    bytesChart(message.bytesByType.before, message.bytesByType.after),
    h(
      'details',
      { open: '' },
      h('summary', {}, `Nodes kept float32 (${report.keptNodes.length})`),
      report.keptNodes.length === 0 ? h('p', {}, 'None: every node touching float32 values was converted.') : h('ul', { class: 'groups' }, ...[...groups].map(([group, nodes]) => h('li', {}, h('strong', {}, `${group} (${nodes.length})`), h('p', { class: 'node-names' }, nodes.map((n) => `${n.address} (${n.opType})`).join(', '))))),
    ),
    report.casts.length > 0 &&
      h('details', {}, h('summary', {}, `Casts inserted (${report.casts.length})`), table('Casts', ['Cast node', 'reads', 'writes', 'to type'], report.casts.map((c) => [c.node, c.from, c.to, c.elemType]))),
    h(
      'details',
      {},
      h('summary', {}, `Values clipped (${clipped.reduce((n, t) => n + t.clampedSmall + t.clampedLarge, 0)} in ${clipped.length} tensors)`),
      clipped.length === 0 ? h('p', {}, 'No values were clipped.') : table('Clipped values', ['tensor', 'raised (tiny)', 'lowered (large)'], clipped.map((t) => [t.name, t.clampedSmall, t.clampedLarge])),
    ),
    warnings.length > 0 && h('div', { class: 'warnings' }, h('h3', {}, 'Warnings'), h('ul', {}, ...warnings.map((w) => h('li', {}, w.message)))),
  );
}
