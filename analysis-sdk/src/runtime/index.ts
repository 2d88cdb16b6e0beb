// The runtime library an analysis uses inside its container (ARCHITECTURE §4).
export * from './run-input';
export * from './record-stream';
export * from './progress';
export * from './result-builder';
export * from './run-analysis';
