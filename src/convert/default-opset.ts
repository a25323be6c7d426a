/**
 * The default-domain (ai.onnx) opset the Casts a conversion inserts are written for. A model
 * normally imports one; a model that imports only other domains (onnxmltools' ai.onnx.ml-only
 * conversions) gets one added, at the newest version its IR version allows, as soon as a Cast
 * is inserted: nothing else in such a model reads the default domain, so the choice changes no
 * existing node. Whether the target type can cross a Cast at all is decided here too.
 */
import { create } from '@bufbuild/protobuf';
import { DataType, dataTypeName } from '../dtype.js';
import type { Model } from '../ir/model.js';
import { withFields } from '../proto/message-copy.js';
import { OperatorSetIdProtoSchema } from '../proto/onnx.js';
import { opsetVersion } from '../schema/infer-types.js';
import { lookupSchema } from '../schema/op-schema.js';
import { formatValueType } from '../ir/value-type.js';

/**
 * The newest ai.onnx opset released with each IR version (onnx/docs/Versioning.md): a model of
 * IR version N may import these; later opsets need a later IR version.
 */
const NEWEST_OPSET_FOR_IR_VERSION: readonly (readonly [ir: number, opset: number])[] = [
  [3, 8],
  [4, 9],
  [5, 10],
  [6, 11],
  [7, 14],
  [8, 18],
  [9, 20],
  [10, 22],
  [11, 23],
];

/** The newest default-domain opset a model of this IR version may import (IR < 3 predates opset versioning: 1). */
export function newestOpsetForIrVersion(irVersion: number): number {
  let newest = irVersion >= 3 ? 8 : 1;
  for (const [ir, opset] of NEWEST_OPSET_FOR_IR_VERSION) if (irVersion >= ir) newest = opset;
  return newest;
}

/** The default-domain opset new nodes are written for: the model's import, or the one `ensureDefaultOpsetImport` adds. */
export function defaultOpsetFor(model: Model): number {
  return opsetVersion(model.proto.opsetImport, '') ?? newestOpsetForIrVersion(Number(model.proto.irVersion));
}

/** Adds the default-domain import `defaultOpsetFor` promised, when the model has none; returns the version added. */
export function ensureDefaultOpsetImport(model: Model): number | undefined {
  if (opsetVersion(model.proto.opsetImport, '') !== undefined) return undefined;
  const version = defaultOpsetFor(model);
  const entry = create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(version) });
  model.proto = withFields(model.proto, { opsetImport: [...model.proto.opsetImport, entry] });
  return version;
}

/** Whether Cast at this opset converts float32 to the target type and back. */
export function castSupports(target: number, opset: number): boolean {
  const schema = lookupSchema('', 'Cast', opset).schema;
  if (!schema) return false;
  const wanted = formatValueType({ kind: 'tensor', elemType: target });
  const float = formatValueType({ kind: 'tensor', elemType: DataType.FLOAT });
  const [from, to] = [schema.inputs[0]!.type, schema.outputs[0]!.type].map((param) => schema.typeConstraints.get(param));
  return !!from?.has(wanted) && !!from.has(float) && !!to?.has(wanted) && !!to.has(float);
}

/** The first opset whose Cast handles the target type, for messages. */
export function firstCastOpset(target: number): number | undefined {
  for (let opset = 1; opset <= 30; opset++) if (castSupports(target, opset)) return opset;
  return undefined;
}

/** "Cast has no bfloat16 before opset 13", for reasons and warnings. */
export function describeMissingCast(target: number): string {
  const first = firstCastOpset(target);
  return `Cast has no ${dataTypeName(target).toLowerCase()} before opset ${first ?? '(none)'}`;
}
