/**
 * The input is checked before planning, so that a model that is invalid as given is reported as
 * such (naming the node), never as a conversion bug: every name is assigned once per graph, every
 * ai.onnx node has an ai.onnx opset to be read at, every node's types satisfy its schema at the
 * model's opset, and every Constant holds exactly one value attribute.
 */
import { ValidationError } from '../errors.js';
import { isDefaultDomain } from '../ir/domain.js';
import type { Model } from '../ir/model.js';
import type { GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto, ValueInfoProto } from '../proto/onnx.js';
import { checkTypes } from '../schema/check-types.js';
import type { TypeInference } from '../schema/infer-types.js';

/** The attributes a Constant may hold its value in (exactly one of them). */
const CONSTANT_VALUE_ATTRIBUTES = new Set(['value', 'sparse_value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'value_string', 'value_strings']);

/**
 * Throws a one-line ValidationError when a graph assigns a name twice (two nodes writing one
 * output, a node writing a graph input or initializer, two initializers of one name): ONNX graphs
 * are in single static assignment form, and a second writer would silently rewire the graph.
 * A graph input sharing its name with an initializer is allowed (the initializer is its default).
 * Runs on the protobuf message, before the IR (which keeps one value per name) is built.
 */
export function assertSingleAssignment(model: ModelProto): void {
  if (model.graph) checkGraph(model.graph, 'main');
  for (const fn of model.functions) {
    const where = `function ${fn.domain ? `${fn.domain}.` : ''}${fn.name}`;
    const writers = new Map<string, Writer>();
    for (const name of fn.input) assign(writers, name, { functionInput: name }, where, fn.node);
    checkNodes(fn.node, writers, where);
  }
}

/** What assigns a name: a message of the graph (described only when a name collides), or a function input. */
type Writer = TensorProto | SparseTensorProto | ValueInfoProto | NodeProto | { functionInput: string };

function checkGraph(graph: GraphProto, where: string): void {
  const writers = new Map<string, Writer>();
  for (const tensor of graph.initializer) assign(writers, tensor.name, tensor, where, graph.node);
  for (const sparse of graph.sparseInitializer) assign(writers, sparse.values?.name ?? '', sparse, where, graph.node);
  const initializers = new Set(writers.keys());
  for (const input of graph.input) {
    if (initializers.has(input.name)) continue; // the initializer is the input's default value
    assign(writers, input.name, input, where, graph.node);
  }
  checkNodes(graph.node, writers, where);
}

function checkNodes(nodes: readonly NodeProto[], writers: Map<string, Writer>, where: string): void {
  nodes.forEach((node, index) => {
    for (const output of node.output) assign(writers, output, node, where, nodes);
    for (const attribute of node.attribute) {
      const graphs = attribute.g ? [attribute.g] : attribute.graphs;
      graphs.forEach((g, i) => checkGraph(g, `${where === 'main' ? '' : `${where}/`}${node.name || `#${index}`}/${attribute.name}${attribute.g ? '' : `[${i}]`}`));
    }
  });
}

function assign(writers: Map<string, Writer>, name: string, writer: Writer, where: string, nodes: readonly NodeProto[]): void {
  if (name === '') return; // an omitted optional output
  const first = writers.get(name);
  if (first !== undefined) {
    throw new ValidationError(`the input model is invalid: "${name}" is assigned twice in graph ${where}, by ${describeWriter(first, nodes)} and by ${describeWriter(writer, nodes)}; each name may be assigned once`);
  }
  writers.set(name, writer);
}

function describeWriter(writer: Writer, nodes: readonly NodeProto[]): string {
  if ('functionInput' in writer) return `input "${writer.functionInput}"`;
  switch (writer.$typeName) {
    case 'onnx.TensorProto':
      return `initializer "${writer.name}"`;
    case 'onnx.SparseTensorProto':
      return `sparse initializer "${writer.values?.name ?? ''}"`;
    case 'onnx.ValueInfoProto':
      return `input "${writer.name}"`;
    case 'onnx.NodeProto':
      return `node ${writer.name ? `"${writer.name}"` : `#${nodes.indexOf(writer)}`} (${writer.opType})`;
  }
}

/** Throws a one-line ValidationError naming the first offending node (and how many there are). */
export function assertValidInput(model: Model, inference: TypeInference): void {
  const importsDefaultDomain = model.opsetVersion('') !== undefined || Number(model.proto.irVersion) < 3;
  const functionGraphs = new Set(model.functions.map((f) => f.body));
  for (const node of model.nodes()) {
    if (!isDefaultDomain(node.domain)) continue;
    // IR 3 and later state their opsets; a model-local function's body reads the function's own imports.
    if (!importsDefaultDomain && !functionGraphs.has(node.graph.root)) {
      const imports = model.proto.opsetImport.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ') || 'none';
      throw new ValidationError(`the input model is invalid: ${node.describe()} is an ai.onnx operator, but the model imports no ai.onnx opset (its opset imports: ${imports})`);
    }
    if (node.opType !== 'Constant') continue;
    const values = node.proto.attribute.filter((a) => CONSTANT_VALUE_ATTRIBUTES.has(a.name));
    if (values.length !== 1) {
      const found = values.length === 0 ? 'none' : values.map((a) => a.name).join(', ');
      throw new ValidationError(`the input model is invalid: ${node.describe()} must hold exactly one value attribute (found ${found})`);
    }
  }
  const violations = checkTypes(model, inference);
  if (violations.length > 0) {
    const more = violations.length > 1 ? ` (and ${violations.length - 1} more type error${violations.length === 2 ? '' : 's'})` : '';
    throw new ValidationError(`the input model is invalid: ${violations[0]!.message}${more}`);
  }
}
