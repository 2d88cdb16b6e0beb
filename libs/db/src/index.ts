export * from './data-source';
export * from './database.module';
export * from './entities/api-token.entity';
export * from './entities/user.entity';
export * from './entities/worker-heartbeat.entity';
