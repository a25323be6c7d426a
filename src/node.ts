/**
 * The Node.js entry: everything in the browser-safe core, plus files (loadModel, saveModel with
 * external data). The CLI builds on this entry.
 */
export * from './index.js';
export { loadModel, loadModelSync, type LoadOptions } from './io/load-model.js';
export { saveModel, type SaveOptions, type ExternalDataOptions } from './io/save-model.js';
export { sourceFilesOf } from './io/source-files.js';
export { nodeRuntime, loadOnnxruntimeNode } from './runtime/node-runtime.js';
export { readTestDataFeeds, readTestDataTensors } from './io/test-data.js';
export { readFeeds } from './io/feeds.js';
export { autoConvertMixedPrecision, findNodeBlockList, type NodeAutoMixedPrecisionOptions } from './mixed/node-auto.js';
