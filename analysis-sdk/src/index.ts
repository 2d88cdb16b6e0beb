// @lockbox/analysis-sdk: the contracts shared by the platform and analysis developers.
export * from './limits';
export * from './records';
export * from './grain';
export * from './manifest';
export * from './result';
export * from './container-contract';
export * from './container-policy';
export * from './runtime';
export * from './fixtures';
// The sandbox runner (`@lockbox/analysis-sdk/sandbox`) and the API client (`@lockbox/analysis-sdk/client`) are
// separate entry points: they need Docker and the network, which an analysis inside its container has not.
