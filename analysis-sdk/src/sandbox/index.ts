// Running an analysis exactly as the platform does: output area, log capture, output collection, runner.
export * from './output-area';
export * from './output-area-stock';
export * from './collect-output';
export * from './log-capture';
export * from './sandbox-runner';
export * from './step-times';
