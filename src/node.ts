/**
 * The Node.js entry: the browser-safe entry plus files (loadModel, saveModel with external data),
 * feeds read from files, and onnxruntime-node as the default runtime of mixed precision. The CLI
 * is built on this entry alone.
 */
export * from './index.js';
export { loadModel, type LoadOptions } from './io/load-model.js';
export { saveModel, type SaveOptions, type SavedModel, type ExternalDataOptions } from './io/save-model.js';
export { sourceFilesOf } from './io/source-files.js';
export { readNodeBlockList } from './io/node-block-list.js';
export { readFeeds } from './io/feeds.js';
export { nodeRuntime } from './runtime/node-runtime.js';
export { autoConvertMixedPrecision, compareModels, findNodeBlockList, type NodeAutoMixedPrecisionOptions, type NodeCompareOptions } from './mixed/node-auto.js';
