export * from './queue-message';
export * from './queue.repository';
export * from './queue.module';
