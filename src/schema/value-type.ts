/** ValueType lives in the IR (ir/value-type.ts) so Values can carry it; schema code imports it from here too. */
export * from '../ir/value-type.js';
