// @lockbox/analysis-sdk: the contracts shared by the platform and analysis developers.
export * from './limits';
export * from './records';
export * from './manifest';
export * from './result';
export * from './container-contract';
export * from './container-policy';
