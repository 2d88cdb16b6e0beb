/**
 * Platform limits (ARCHITECTURE §8). Each is a setting of the platform; these are the defaults.
 * Sizes are in bytes, durations in seconds.
 */
export interface PlatformLimits {
  readonly datasetUploadMaxBytes: number;
  readonly imageTarballMaxBytes: number;
  readonly imageDecompressedMaxBytes: number;
  readonly imageMaxLayers: number;
  readonly runMemoryMinBytes: number;
  readonly runMemoryMaxBytes: number;
  readonly runCpuMin: number;
  readonly runCpuMax: number;
  readonly runTimeoutMinSeconds: number;
  readonly runTimeoutMaxSeconds: number;
  readonly runOutputMaxBytes: number;
  readonly runOutputMaxFiles: number;
  /** Bytes of stdout/stderr kept per run. */
  readonly runLogKeptBytes: number;
  /** A run writing more log bytes than this is killed and fails with `log_limit`. */
  readonly runLogKillBytes: number;
  readonly containerPidsLimit: number;
  readonly containerNofile: number;
  readonly containerTmpBytes: number;
  readonly resultMaxBytes: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const DEFAULT_PLATFORM_LIMITS: PlatformLimits = Object.freeze({
  datasetUploadMaxBytes: 1 * GiB,
  imageTarballMaxBytes: 2 * GiB,
  imageDecompressedMaxBytes: 4 * GiB,
  imageMaxLayers: 100,
  runMemoryMinBytes: 128 * MiB,
  runMemoryMaxBytes: 2 * GiB,
  runCpuMin: 0.25,
  runCpuMax: 2,
  runTimeoutMinSeconds: 1,
  runTimeoutMaxSeconds: 900,
  runOutputMaxBytes: 64 * MiB,
  runOutputMaxFiles: 1000,
  runLogKeptBytes: 1 * MiB,
  runLogKillBytes: 8 * MiB,
  containerPidsLimit: 128,
  containerNofile: 256,
  containerTmpBytes: 64 * MiB,
  resultMaxBytes: 4 * MiB,
});

/** The cap on `/output/result.json`. The caller checks it before parsing; `validateResult` does not. */
export const MAX_RESULT_BYTES = DEFAULT_PLATFORM_LIMITS.resultMaxBytes;

/**
 * Default limits with some overridden, checked for consistency (positive, min ≤ max, kept ≤ kill).
 * Throws a RangeError naming every problem.
 */
export function definePlatformLimits(overrides: Partial<PlatformLimits> = {}): PlatformLimits {
  const limits: PlatformLimits = { ...DEFAULT_PLATFORM_LIMITS, ...overrides };
  const problems: string[] = [];
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      problems.push(`${key} must be a positive number (got ${String(value)})`);
    }
  }
  const pairs: [keyof PlatformLimits, keyof PlatformLimits][] = [
    ['runMemoryMinBytes', 'runMemoryMaxBytes'],
    ['runCpuMin', 'runCpuMax'],
    ['runTimeoutMinSeconds', 'runTimeoutMaxSeconds'],
    ['runLogKeptBytes', 'runLogKillBytes'],
    ['imageTarballMaxBytes', 'imageDecompressedMaxBytes'],
    ['resultMaxBytes', 'runOutputMaxBytes'],
  ];
  for (const [low, high] of pairs) {
    if (limits[low] > limits[high]) problems.push(`${low} (${limits[low]}) must not exceed ${high} (${limits[high]})`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid platform limits: ${problems.join('; ')}`);
  return Object.freeze(limits);
}
