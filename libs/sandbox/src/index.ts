export * from './docker-engine.repository';
export * from './sandbox.module';
