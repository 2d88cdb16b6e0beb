export * from './config';
export * from './runtime-file';
export * from './config.module';
