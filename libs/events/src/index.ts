export * from './event-catalogue';
export * from './redis.repository';
export * from './events.module';
export * from './platform-events.service';
