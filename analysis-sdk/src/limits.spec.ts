import { DEFAULT_PLATFORM_LIMITS, MAX_RESULT_BYTES, definePlatformLimits } from './limits';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('DEFAULT_PLATFORM_LIMITS', () => {
  it('holds the defaults of ARCHITECTURE §8 in bytes and seconds', () => {
    expect(DEFAULT_PLATFORM_LIMITS).toEqual({
      datasetUploadMaxBytes: GiB,
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
      runLogKeptBytes: MiB,
      runLogKillBytes: 8 * MiB,
      containerPidsLimit: 128,
      containerNofile: 256,
      containerTmpBytes: 64 * MiB,
      resultMaxBytes: 4 * MiB,
    });
    expect(MAX_RESULT_BYTES).toBe(4 * MiB);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(DEFAULT_PLATFORM_LIMITS)).toBe(true);
  });
});

describe('definePlatformLimits', () => {
  it('overrides single limits and keeps the rest', () => {
    const limits = definePlatformLimits({ runTimeoutMaxSeconds: 5 });
    expect(limits.runTimeoutMaxSeconds).toBe(5);
    expect(limits.runMemoryMaxBytes).toBe(2 * GiB);
  });

  it('rejects inconsistent or non-positive limits, naming each', () => {
    expect(() => definePlatformLimits({ runCpuMin: 3 })).toThrow(/runCpuMin \(3\) must not exceed runCpuMax \(2\)/);
    expect(() => definePlatformLimits({ containerPidsLimit: 0 })).toThrow(/containerPidsLimit must be a positive number/);
    expect(() => definePlatformLimits({ runLogKeptBytes: 9 * MiB })).toThrow(/runLogKeptBytes/);
  });
});
