export * from './event-catalogue';
export * from './redis.repository';
export * from './redis.module';
export * from './events.module';
export * from './platform-events.service';
