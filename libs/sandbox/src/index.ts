export * from './docker-engine.repository';
export * from './sandbox.module';
export * from './image-intake';
export * from './image-sanitizer';
export * from './image-loader';
export * from './run-containers';
export * from './runtime-policy';
