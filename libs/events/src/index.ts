export * from './redis.repository';
export * from './events.module';
