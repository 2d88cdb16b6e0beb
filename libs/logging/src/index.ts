export * from './install';
export * from './log-context';
export * from './nest-logger';
export * from './process-logger';
export * from './redaction';
