/**
 * Converted weights shared by the attempts of a search that runs converted models (a provider
 * with real float16): each attempt converts the model with its block list, but a float32 tensor's
 * converted data does not depend on the block list, so it is computed once and every later
 * attempt's model takes the same bytes. Without this, encoding each attempt's model converted
 * every weight again.
 */
import { conversionOrigin } from '../convert/tensor-conversion.js';
import type { ModelProto, TensorProto } from '../proto/onnx.js';
import { rawPayloadOf, readPayloadSync } from '../proto/payload.js';
import { forEachTensor } from '../proto/tensor-walk.js';

export class ConvertedWeights {
  /** Source tensor -> target and clipping -> its converted bytes. */
  readonly #bytes = new WeakMap<TensorProto, Map<string, Uint8Array<ArrayBuffer>>>();
  /** Tensors converted so far, and tensors served from earlier conversions. */
  converted = 0;
  reused = 0;

  /** Gives each converted tensor of `model` (a fresh convertModel result, edited in place) its data, converting only what no earlier model held. */
  fill(model: ModelProto): void {
    forEachTensor(model, (tensor) => {
      const origin = conversionOrigin(tensor);
      const payload = origin && rawPayloadOf(tensor);
      if (!origin || !payload) return;
      const key = `${origin.target}:${origin.bounds ? `${origin.bounds.minPositiveVal}:${origin.bounds.maxFiniteVal}` : 'none'}`;
      let byKey = this.#bytes.get(origin.source);
      if (!byKey) this.#bytes.set(origin.source, (byKey = new Map()));
      let bytes = byKey.get(key);
      if (bytes) this.reused++;
      else {
        bytes = readPayloadSync(payload, tensor.name);
        byKey.set(key, bytes);
        this.converted++;
      }
      // Replaces the lazy conversion with the bytes (the tensor is this model's own).
      tensor.rawData = bytes;
    });
  }
}
