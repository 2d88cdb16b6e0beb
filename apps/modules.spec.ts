import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './api/src/app.module';
import { WorkerModule } from './worker/src/worker.module';

// Every provider of the two Nest processes finds what its constructor names (the repositories of
// libs/db included), checked in Nest's preview mode: the graph is resolved, nothing is constructed,
// so no database or engine is needed.
describe.each([
  ['the API', AppModule],
  ['the worker', WorkerModule],
])('%s', (_name, module) => {
  it('resolves every dependency', async () => {
    const context = await NestFactory.createApplicationContext(module, { preview: true, abortOnError: false, logger: false });
    await context.close();
  });
});
