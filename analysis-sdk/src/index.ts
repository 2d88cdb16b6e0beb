// @lockbox/analysis-sdk: the contracts shared by the platform and analysis developers.
export * from './limits';
export * from './records';
export * from './grain';
export * from './manifest';
export * from './params-schema';
export * from './bounded-json';
export * from './result';
export { CHART_ENCODING_CHANNELS, CHART_MARK_TYPES, CHART_MAX_DATA_ROWS, CHART_MAX_DEPTH, CHART_TRANSFORMS } from './chart-spec';
export * from './plain-text';
export * from './artifacts';
export * from './container-contract';
export * from './container-policy';
export * from './runtime';
export * from './fixtures';
// The sandbox runner (`@lockbox/analysis-sdk/sandbox`) and the API client (`@lockbox/analysis-sdk/client`) are
// separate entry points: they need Docker and the network, which an analysis inside its container has not.
