// What an analysis sees inside its container (ARCHITECTURE §4).
import type { ConsentScopes } from './manifest';

export const CONTAINER_INPUT_DIR = '/input';
export const CONTAINER_OUTPUT_DIR = '/output';
export const CONTAINER_TMP_DIR = '/tmp';
export const RUN_INPUT_PATH = '/input/run.json';
/** Records of kind K are in `${CONTAINER_DATA_DIR}/${K}.jsonl`. */
export const CONTAINER_DATA_DIR = '/input/data';
export const RESULT_PATH = '/output/result.json';
export const ARTIFACTS_DIR = '/output/artifacts';
/** Environment variables set by the platform must match this; nothing else is passed in. */
export const ENV_NAME_PATTERN = /^LOCKBOX_[A-Z0-9_]+$/;

/** The content of `/input/run.json`. */
export interface RunInput {
  runId: string;
  analysis: string;
  version: string;
  params: Record<string, unknown>;
  scopes: ConsentScopes;
}

/** A progress line an analysis may write to stderr. */
export interface ProgressLine {
  progress: number;
  message?: string;
}
