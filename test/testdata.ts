/**
 * Where the test models are: Debian's libonnx-testdata (the official ONNX backend test models)
 * and the real models in ../shared/models. Tests skip with a visible message where absent.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TESTDATA_DIR = process.env.ONNX_TESTDATA_DIR ?? '/usr/share/libonnx-testdata/data';
export const TESTDATA_SKIP = existsSync(TESTDATA_DIR)
  ? false
  : `libonnx-testdata not found at ${TESTDATA_DIR} (apt-get install -y libonnx-testdata): conformance tests skipped`;

/** Every `model.onnx` of the given libonnx-testdata collections, as [test name, path]. */
export function testdataModels(collections = ['node', 'pytorch-converted', 'pytorch-operator', 'simple']): [string, string][] {
  if (TESTDATA_SKIP) return [];
  const found: [string, string][] = [];
  for (const collection of collections) {
    const dir = join(TESTDATA_DIR, collection);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name, 'model.onnx');
      if (existsSync(path)) found.push([`${collection}/${name}`, path]);
    }
  }
  return found;
}

export const SHARED_MODELS_DIR = resolve(process.env.ONNX_SHARED_MODELS_DIR ?? '../shared/models');
export const SHARED_MODELS_SKIP = existsSync(SHARED_MODELS_DIR) ? false : `real models not found at ${SHARED_MODELS_DIR}: tests on them skipped`;

export function sharedModel(file: string): string {
  return join(SHARED_MODELS_DIR, file);
}

/** The Silero VAD models shipped by the devDependency @ricky0123/vad-web (If subgraphs nested 4 deep). */
export const SILERO_MODELS = ['silero_vad_legacy.onnx', 'silero_vad_v5.onnx'].map((f) => resolve('node_modules/@ricky0123/vad-web/dist', f));
