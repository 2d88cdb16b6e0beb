import {
  CONTAINER_LABELS,
  ContainerPolicyError,
  GVISOR_PIDS_OVERHEAD,
  buildContainerPolicy,
  checkImageConfig,
  type ContainerPolicyInput,
} from './container-policy';
import { DEFAULT_PLATFORM_LIMITS } from './limits';

const MiB = 1024 * 1024;
const IMAGE_ID = `sha256:${'a'.repeat(64)}`;

const input = (overrides: Partial<ContainerPolicyInput> = {}): ContainerPolicyInput => ({
  image: IMAGE_ID,
  entrypoint: ['node', '/app/main.js'],
  resources: { memoryBytes: 256 * MiB, cpu: 0.5, timeoutSeconds: 60, outputBytes: 16 * MiB },
  limits: DEFAULT_PLATFORM_LIMITS,
  runtime: 'runc',
  user: '10001:10001',
  inputHostPath: '/var/lib/lockbox/runs/r1/input',
  outputHostPath: '/var/lib/lockbox/runs/r1/output',
  env: { LOCKBOX_RUN_ID: 'r1' },
  labels: { instance: 'abc123', runId: 'r1', attempt: 2, workerId: 'w1', deadline: '2026-01-05T18:21:00.000Z' },
  ...overrides,
});

function problemsOf(overrides: Partial<ContainerPolicyInput>): string[] {
  try {
    buildContainerPolicy(input(overrides));
  } catch (error) {
    if (error instanceof ContainerPolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected the policy input to be rejected');
}

describe('buildContainerPolicy', () => {
  const spec = buildContainerPolicy(input());

  it('cuts the container off the network', () => {
    expect(spec.NetworkDisabled).toBe(true);
    expect(spec.HostConfig.NetworkMode).toBe('none');
    expect(spec.ExposedPorts).toEqual({});
    expect(spec.HostConfig.PortBindings).toEqual({});
    expect(spec.HostConfig.PublishAllPorts).toBe(false);
  });

  it('locks the process down', () => {
    expect(spec.HostConfig.ReadonlyRootfs).toBe(true);
    expect(spec.HostConfig.Privileged).toBe(false);
    expect(spec.HostConfig.CapDrop).toEqual(['ALL']);
    expect(spec.HostConfig.CapAdd).toEqual([]);
    expect(spec.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(spec.HostConfig.SecurityOpt.join()).not.toMatch(/seccomp|apparmor/);
    expect(spec.HostConfig.Devices).toEqual([]);
    expect(spec.HostConfig.IpcMode).toBe('private');
    expect(spec.User).toBe('10001:10001');
    expect(spec.HostConfig.Init).toBe(true);
  });

  it('overrides the working directory, entrypoint and cmd of the image', () => {
    expect(spec.WorkingDir).toBe('/tmp');
    expect(spec.Entrypoint).toEqual(['node', '/app/main.js']);
    expect(spec.Cmd).toEqual([]);
    expect(buildContainerPolicy(input({ args: ['--fast'] })).Cmd).toEqual(['--fast']);
    expect(spec.Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it('caps memory without swap, CPU, pids and files', () => {
    expect(spec.HostConfig.Memory).toBe(256 * MiB);
    expect(spec.HostConfig.MemorySwap).toBe(spec.HostConfig.Memory);
    expect(spec.HostConfig.NanoCpus).toBe(500_000_000);
    expect(spec.HostConfig.PidsLimit).toBe(128);
    expect(spec.HostConfig.Ulimits).toEqual([
      { Name: 'nofile', Soft: 256, Hard: 256 },
      { Name: 'fsize', Soft: 64 * MiB, Hard: 64 * MiB },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
  });

  it('mounts a small noexec /tmp, the input read-only and the output read-write, and nothing else', () => {
    expect(spec.HostConfig.Tmpfs).toEqual({ '/tmp': `rw,noexec,nosuid,nodev,size=${64 * MiB}` });
    expect(spec.HostConfig.Mounts).toEqual([
      expect.objectContaining({ Type: 'bind', Source: '/var/lib/lockbox/runs/r1/input', Target: '/input', ReadOnly: true }),
      expect.objectContaining({ Type: 'bind', Source: '/var/lib/lockbox/runs/r1/output', Target: '/output', ReadOnly: false }),
    ]);
    expect(spec.HostConfig).not.toHaveProperty('Binds');
    expect(spec.HostConfig).not.toHaveProperty('VolumesFrom');
    expect(spec).not.toHaveProperty('Volumes');
  });

  it('labels the container with its stack, run, attempt, worker and deadline', () => {
    expect(spec.Labels).toEqual({
      'lockbox.instance': 'abc123',
      'lockbox.run': 'r1',
      'lockbox.attempt': '2',
      'lockbox.worker': 'w1',
      'lockbox.deadline': '2026-01-05T18:21:00.000Z',
    });
    expect(Object.values(CONTAINER_LABELS).sort()).toEqual(Object.keys(spec.Labels).sort());
  });

  it('attaches output streams without a TTY or stdin, bounds engine logs and keeps the container for collection', () => {
    expect(spec).toMatchObject({ AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false, OpenStdin: false });
    expect(spec.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '8m', 'max-file': '1' } });
    expect(spec.HostConfig.AutoRemove).toBe(false);
    expect(spec.HostConfig.RestartPolicy).toEqual({ Name: 'no' });
  });

  it('passes only LOCKBOX_* variables', () => {
    expect(spec.Env).toEqual(['LOCKBOX_RUN_ID=r1']);
    expect(problemsOf({ env: { PATH: '/evil' } })).toEqual(['environment variable "PATH" is not allowed: only LOCKBOX_* names are passed in']);
    expect(problemsOf({ env: { LOCKBOX_ok: 'x' } })).toHaveLength(1);
    expect(problemsOf({ env: { LD_PRELOAD: '/x.so', LOCKBOX_A: 'a' } })).toHaveLength(1);
    expect(problemsOf({ env: { LOCKBOX_A: 'a\u0000b' } })).toHaveLength(1);
  });

  it('asks for gVisor only when runsc is chosen', () => {
    expect(spec.HostConfig.Runtime).toBeUndefined();
    expect(buildContainerPolicy(input({ runtime: 'runsc' })).HostConfig.Runtime).toBe('runsc');
    // gVisor's own processes count against the pids cgroup; the analysis keeps its full allowance.
    expect(buildContainerPolicy(input({ runtime: 'runsc' })).HostConfig.PidsLimit).toBe(DEFAULT_PLATFORM_LIMITS.containerPidsLimit + GVISOR_PIDS_OVERHEAD);
    expect(buildContainerPolicy(input({ runtime: 'runc' })).HostConfig.PidsLimit).toBe(DEFAULT_PLATFORM_LIMITS.containerPidsLimit);
    expect(problemsOf({ runtime: 'kata' as never })).toEqual(['runtime must be one of runc, runsc']);
  });

  it('sets the name only when given', () => {
    expect(spec).not.toHaveProperty('name');
    expect(buildContainerPolicy(input({ name: 'lockbox-r1-2' })).name).toBe('lockbox-r1-2');
    expect(problemsOf({ name: '../evil' })).toHaveLength(1);
  });

  it('accepts resources at both ends of the platform range', () => {
    const low = buildContainerPolicy(input({ resources: { memoryBytes: 128 * MiB, cpu: 0.25, timeoutSeconds: 1, outputBytes: 1 } }));
    expect(low.HostConfig.NanoCpus).toBe(250_000_000);
    const high = buildContainerPolicy(input({ resources: { memoryBytes: 2048 * MiB, cpu: 2, timeoutSeconds: 900, outputBytes: 64 * MiB } }));
    expect(high.HostConfig.Memory).toBe(2048 * MiB);
  });

  it('refuses resources outside the platform range, naming each', () => {
    const problems = problemsOf({ resources: { memoryBytes: 127 * MiB, cpu: 2.5, timeoutSeconds: 901, outputBytes: 65 * MiB } });
    expect(problems).toEqual([
      `memory must be between 128m and 2g (got ${127 * MiB})`,
      'cpu must be between 0.25 and 2 (got 2.5)',
      'timeout must be between 1 and 900 seconds (got 901)',
      `output must be at most 64m (got ${65 * MiB})`,
    ]);
    expect(() => buildContainerPolicy(input({ resources: { memoryBytes: 3 * 1024 * MiB, cpu: 1, timeoutSeconds: 60, outputBytes: MiB } }))).toThrow(
      /Invalid container policy input: memory must be between/,
    );
  });

  it('refers to images by ID only', () => {
    expect(problemsOf({ image: 'analysis:latest' })).toEqual(['image must be an image ID (sha256: and 64 hex digits), never a tag']);
  });

  it('refuses root or malformed users', () => {
    expect(problemsOf({ user: '0:0' })).toHaveLength(1);
    expect(problemsOf({ user: '10001:0' })).toHaveLength(1);
    expect(problemsOf({ user: 'app' })).toHaveLength(1);
  });

  it('refuses an empty entrypoint', () => {
    expect(problemsOf({ entrypoint: [] })).toContain('entrypoint must not be empty');
    expect(problemsOf({ entrypoint: ['node', ''] })).toHaveLength(1);
  });

  it('refuses dangerous or overlapping host paths', () => {
    expect(problemsOf({ inputHostPath: 'relative/input' })).toEqual(['inputHostPath must be an absolute path']);
    expect(problemsOf({ inputHostPath: '/' })).toEqual(['inputHostPath must not be the host root']);
    expect(problemsOf({ inputHostPath: '/var/run/docker.sock' })).toEqual(['inputHostPath must not be a socket (never the Docker socket)']);
    expect(problemsOf({ outputHostPath: '/data/out:/etc' })).toHaveLength(1);
    expect(problemsOf({ outputHostPath: '/var/lib/lockbox/runs/r1/input/out' })).toEqual(['inputHostPath and outputHostPath must be separate directories']);
  });

  it('requires usable labels', () => {
    const labels = { instance: '', runId: 'r1', attempt: 1, workerId: 'w1', deadline: 'soon' };
    expect(problemsOf({ labels })).toEqual(['labels.deadline must be a valid date', 'labels.instance must be a non-empty string']);
    const withDate = buildContainerPolicy(input({ labels: { ...labels, instance: 'i', deadline: new Date(0) } }));
    expect(withDate.Labels['lockbox.deadline']).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('checkImageConfig', () => {
  // The shape of a `docker save` config JSON.
  const tarballConfig = (config: Record<string, unknown> = {}, platform: Record<string, unknown> = {}) => ({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin'], Entrypoint: ['node'], Cmd: ['main.js'], ...config },
    ...platform,
  });

  it('accepts a plain amd64 linux image and notes the overridden entrypoint', () => {
    expect(checkImageConfig(tarballConfig())).toEqual({ ok: true, violations: [], notes: ["ENTRYPOINT and CMD are replaced by the manifest's entrypoint"] });
  });

  it('rejects VOLUME, naming each', () => {
    const result = checkImageConfig(tarballConfig({ Volumes: { '/data': {}, '/cache': {} } }));
    expect(result.ok).toBe(false);
    expect(result.violations).toEqual([
      'VOLUME is not allowed: /data (Docker would create a writable anonymous volume that bypasses the output cap)',
      'VOLUME is not allowed: /cache (Docker would create a writable anonymous volume that bypasses the output cap)',
    ]);
    expect(checkImageConfig(tarballConfig({ Volumes: {} })).ok).toBe(true);
    expect(checkImageConfig(tarballConfig({ Volumes: null })).ok).toBe(true);
  });

  it.each(['/proc', '/proc/self', '/sys/fs', '/dev', '/dev/shm', '//proc', '/app/../proc/1'])('rejects WORKDIR %s', (dir) => {
    const result = checkImageConfig(tarballConfig({ WorkingDir: dir }));
    expect(result.ok).toBe(false);
    expect(result.violations[0]).toMatch(/^WORKDIR .* is not allowed: it is under \/(proc|sys|dev)$/);
  });

  it('notes that an ordinary WORKDIR is ignored', () => {
    const result = checkImageConfig(tarballConfig({ WorkingDir: '/processes' }));
    expect(result.ok).toBe(true);
    expect(result.notes).toContain('WORKDIR /processes is ignored: analyses start in /tmp, so use absolute paths in the entrypoint');
  });

  it('rejects images that are not linux/amd64', () => {
    expect(checkImageConfig(tarballConfig({}, { architecture: 'arm64' })).violations).toEqual([
      'architecture is "arm64" but only amd64 images can run (build with --platform linux/amd64)',
    ]);
    expect(checkImageConfig(tarballConfig({}, { os: 'windows' })).violations).toEqual(['os is "windows" but only linux images can run']);
    expect(checkImageConfig({ config: {} }).violations).toHaveLength(2);
  });

  it('rejects LOCKBOX_* variables baked into the image', () => {
    expect(checkImageConfig(tarballConfig({ Env: ['LOCKBOX_RUN_ID=fake'] })).violations).toEqual([
      'ENV LOCKBOX_RUN_ID is not allowed: LOCKBOX_* variables are reserved for the platform',
    ]);
  });

  it('notes USER, HEALTHCHECK and EXPOSE as ignored, reading docker inspect output too', () => {
    const inspect = {
      Architecture: 'amd64',
      Os: 'linux',
      Config: { User: 'root', Healthcheck: { Test: ['CMD', 'true'] }, ExposedPorts: { '8080/tcp': {} } },
    };
    const result = checkImageConfig(inspect);
    expect(result.ok).toBe(true);
    expect(result.notes).toEqual([
      'USER root is ignored: analyses always run as a fixed non-root user',
      'HEALTHCHECK is ignored',
      'EXPOSE 8080/tcp is ignored: analyses have no network',
    ]);
  });

  it('rejects something that is not a config at all', () => {
    expect(checkImageConfig('nope')).toEqual({ ok: false, violations: ['image config is not a JSON object'], notes: [] });
  });
});
