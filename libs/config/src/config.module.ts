import { type DynamicModule, Global, Module } from '@nestjs/common';
import { loadConfig, type LockboxConfig } from './config';

/** Injection token for the one validated configuration object. */
export const LOCKBOX_CONFIG = Symbol('LOCKBOX_CONFIG');

@Global()
@Module({})
export class ConfigModule {
  /** Loads the configuration from the environment, or takes one already built (tests, the launcher). */
  static forRoot(config?: LockboxConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: LOCKBOX_CONFIG, useFactory: (): LockboxConfig => config ?? loadConfig() }],
      exports: [LOCKBOX_CONFIG],
    };
  }
}
