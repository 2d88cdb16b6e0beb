export * from './redis.repository';
export * from './events.module';
export * from './platform-events.service';
