// The one place that decides how an analysis container is created (ARCHITECTURE §5). The CLI's local
// runs and the worker's production runs both use it, so they cannot drift apart.
import { posix } from 'node:path';
import { CONTAINER_INPUT_DIR, CONTAINER_OUTPUT_DIR, CONTAINER_TMP_DIR, ENV_NAME_PATTERN } from './container-contract';
import type { PlatformLimits } from './limits';
import { SANDBOX_RUNTIMES, formatByteSize, type RunResources, type SandboxRuntime } from './manifest';

/** Docker label keys every analysis container carries; the orphan reaper selects on them. */
/**
 * gVisor's own processes (the sentry and its ptrace stubs) live in the container's pids cgroup: an idle
 * runsc container already holds about 54 host pids where runc holds 2. Without this allowance a runsc
 * analysis would get far fewer processes than a runc one under the same limit.
 */
export const GVISOR_PIDS_OVERHEAD = 64;

export const CONTAINER_LABELS = Object.freeze({
  instance: 'lockbox.instance',
  run: 'lockbox.run',
  attempt: 'lockbox.attempt',
  worker: 'lockbox.worker',
  deadline: 'lockbox.deadline',
});

export const DEFAULT_CONTAINER_USER = '10001:10001';
export const CONTAINER_WORKING_DIR = CONTAINER_TMP_DIR;

export interface ContainerPolicyInput {
  /** The image ID (`sha256:` + 64 hex digits); never a tag. */
  image: string;
  /** The manifest entrypoint; it replaces the image's ENTRYPOINT. */
  entrypoint: readonly string[];
  /** Extra arguments after the entrypoint; they replace the image's CMD. */
  args?: readonly string[];
  resources: RunResources;
  limits: PlatformLimits;
  runtime: SandboxRuntime;
  /** A fixed non-root "uid:gid", e.g. "10001:10001". */
  user: string;
  /** Host directory mounted read-only at /input. */
  inputHostPath: string;
  /** Host directory (a size-capped mount) mounted read-write at /output. */
  outputHostPath: string;
  /** Only LOCKBOX_* names are allowed. */
  env: Readonly<Record<string, string>>;
  labels: {
    instance: string;
    runId: string;
    attempt: number | string;
    workerId: string;
    /** When the worker kills the container. */
    deadline: string | Date;
  };
  name?: string;
}

// A minimal subset of the Docker Engine API's ContainerCreate body, in dockerode's shape.
export interface ContainerUlimit {
  Name: string;
  Soft: number;
  Hard: number;
}
export interface ContainerMount {
  Type: 'bind';
  Source: string;
  Target: string;
  ReadOnly: boolean;
  BindOptions?: { Propagation: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave' };
}
export interface ContainerHostConfig {
  NetworkMode: 'none';
  ReadonlyRootfs: true;
  Privileged: false;
  CapDrop: string[];
  CapAdd: string[];
  SecurityOpt: string[];
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  PidsLimit: number;
  Ulimits: ContainerUlimit[];
  Init: true;
  Tmpfs: Record<string, string>;
  Mounts: ContainerMount[];
  IpcMode: 'private';
  CgroupnsMode: 'private';
  PublishAllPorts: false;
  PortBindings: Record<string, never>;
  Devices: never[];
  RestartPolicy: { Name: 'no' };
  AutoRemove: false;
  LogConfig: { Type: string; Config: Record<string, string> };
  Runtime?: string;
}
export interface ContainerCreateSpec {
  name?: string;
  Image: string;
  Entrypoint: string[];
  Cmd: string[];
  User: string;
  WorkingDir: string;
  Env: string[];
  Labels: Record<string, string>;
  Hostname: string;
  NetworkDisabled: true;
  ExposedPorts: Record<string, never>;
  Healthcheck: { Test: string[] };
  AttachStdin: false;
  AttachStdout: true;
  AttachStderr: true;
  Tty: false;
  OpenStdin: false;
  StdinOnce: false;
  HostConfig: ContainerHostConfig;
}

export class ContainerPolicyError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid container policy input: ${problems.join('; ')}`);
    this.name = 'ContainerPolicyError';
  }
}

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;
const USER = /^(\d+):(\d+)$/;
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

function hostPathProblem(label: string, path: unknown): string | undefined {
  if (typeof path !== 'string' || !posix.isAbsolute(path)) return `${label} must be an absolute path`;
  if (['\u0000', ',', ':'].some((c) => path.includes(c))) return `${label} must not contain NUL, commas or colons`;
  const normalized = posix.normalize(path).replace(/\/+$/, '') || '/';
  if (normalized === '/') return `${label} must not be the host root`;
  if (normalized.endsWith('.sock')) return `${label} must not be a socket (never the Docker socket)`;
  return undefined;
}

function isWithin(child: string, parent: string): boolean {
  const rel = posix.relative(posix.normalize(parent), posix.normalize(child));
  return rel === '' || (!rel.startsWith('..') && !posix.isAbsolute(rel));
}

/**
 * Builds the ContainerCreate options for one run: no network, read-only root, no capabilities,
 * no-new-privileges, default seccomp, fixed non-root user, capped memory/CPU/pids/files, only /input
 * (read-only) and /output mounted. Throws ContainerPolicyError naming every problem with the input.
 */
export function buildContainerPolicy(input: ContainerPolicyInput): ContainerCreateSpec {
  const { limits, resources, labels } = input;
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const between = (value: number, min: number, max: number) => typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

  check(typeof input.image === 'string' && IMAGE_ID.test(input.image), 'image must be an image ID (sha256: and 64 hex digits), never a tag');
  const command = [...(input.entrypoint ?? []), ...(input.args ?? [])];
  check(Array.isArray(input.entrypoint) && input.entrypoint.length > 0, 'entrypoint must not be empty');
  check(
    command.every((part) => typeof part === 'string' && part.length > 0 && !part.includes('\u0000')),
    'entrypoint and args must be non-empty strings without NUL',
  );
  check(
    between(resources.memoryBytes, limits.runMemoryMinBytes, limits.runMemoryMaxBytes),
    `memory must be between ${formatByteSize(limits.runMemoryMinBytes)} and ${formatByteSize(limits.runMemoryMaxBytes)} (got ${resources.memoryBytes})`,
  );
  check(between(resources.cpu, limits.runCpuMin, limits.runCpuMax), `cpu must be between ${limits.runCpuMin} and ${limits.runCpuMax} (got ${resources.cpu})`);
  check(
    between(resources.timeoutSeconds, limits.runTimeoutMinSeconds, limits.runTimeoutMaxSeconds),
    `timeout must be between ${limits.runTimeoutMinSeconds} and ${limits.runTimeoutMaxSeconds} seconds (got ${resources.timeoutSeconds})`,
  );
  check(
    between(resources.outputBytes, 1, limits.runOutputMaxBytes),
    `output must be at most ${formatByteSize(limits.runOutputMaxBytes)} (got ${resources.outputBytes})`,
  );
  check((SANDBOX_RUNTIMES as readonly string[]).includes(input.runtime), `runtime must be one of ${SANDBOX_RUNTIMES.join(', ')}`);
  const user = USER.exec(typeof input.user === 'string' ? input.user : '');
  check(user !== null && Number(user[1]) > 0 && Number(user[2]) > 0, 'user must be a non-root "uid:gid" with both numbers above 0');

  const inputProblem = hostPathProblem('inputHostPath', input.inputHostPath);
  const outputProblem = hostPathProblem('outputHostPath', input.outputHostPath);
  if (inputProblem) problems.push(inputProblem);
  if (outputProblem) problems.push(outputProblem);
  if (!inputProblem && !outputProblem) {
    check(
      !isWithin(input.inputHostPath, input.outputHostPath) && !isWithin(input.outputHostPath, input.inputHostPath),
      'inputHostPath and outputHostPath must be separate directories',
    );
  }

  const env: string[] = [];
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (!ENV_NAME_PATTERN.test(name)) problems.push(`environment variable ${JSON.stringify(name)} is not allowed: only LOCKBOX_* names are passed in`);
    else if (typeof value !== 'string' || value.includes('\u0000')) problems.push(`environment variable ${name} must be a string without NUL`);
    else env.push(`${name}=${value}`);
  }

  const deadline = labels?.deadline instanceof Date ? labels.deadline : new Date(String(labels?.deadline));
  check(!Number.isNaN(deadline.getTime()), 'labels.deadline must be a valid date');
  for (const key of ['instance', 'runId', 'workerId'] as const) {
    check(typeof labels?.[key] === 'string' && labels[key].length > 0, `labels.${key} must be a non-empty string`);
  }
  check(String(labels?.attempt ?? '') !== '', 'labels.attempt is required');
  check(input.name === undefined || CONTAINER_NAME.test(input.name), 'name must be a valid container name');

  if (problems.length > 0) throw new ContainerPolicyError(problems);

  const spec: ContainerCreateSpec = {
    Image: input.image,
    Entrypoint: [...input.entrypoint],
    Cmd: [...(input.args ?? [])],
    User: input.user,
    WorkingDir: CONTAINER_WORKING_DIR,
    Env: env,
    Labels: {
      [CONTAINER_LABELS.instance]: labels.instance,
      [CONTAINER_LABELS.run]: labels.runId,
      [CONTAINER_LABELS.attempt]: String(labels.attempt),
      [CONTAINER_LABELS.worker]: labels.workerId,
      [CONTAINER_LABELS.deadline]: deadline.toISOString(),
    },
    Hostname: 'analysis',
    NetworkDisabled: true,
    ExposedPorts: {},
    Healthcheck: { Test: ['NONE'] },
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Privileged: false,
      CapDrop: ['ALL'],
      CapAdd: [],
      // No seccomp option: Docker's default profile stays in force.
      SecurityOpt: ['no-new-privileges:true'],
      Memory: resources.memoryBytes,
      MemorySwap: resources.memoryBytes,
      NanoCpus: Math.round(resources.cpu * 1e9),
      PidsLimit: limits.containerPidsLimit + (input.runtime === 'runsc' ? GVISOR_PIDS_OVERHEAD : 0),
      Ulimits: [
        { Name: 'nofile', Soft: limits.containerNofile, Hard: limits.containerNofile },
        // No single file can outgrow the bigger of the two writable areas.
        { Name: 'fsize', Soft: Math.max(resources.outputBytes, limits.containerTmpBytes), Hard: Math.max(resources.outputBytes, limits.containerTmpBytes) },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      Init: true,
      Tmpfs: { [CONTAINER_TMP_DIR]: `rw,noexec,nosuid,nodev,size=${limits.containerTmpBytes}` },
      Mounts: [
        { Type: 'bind', Source: input.inputHostPath, Target: CONTAINER_INPUT_DIR, ReadOnly: true, BindOptions: { Propagation: 'rprivate' } },
        { Type: 'bind', Source: input.outputHostPath, Target: CONTAINER_OUTPUT_DIR, ReadOnly: false, BindOptions: { Propagation: 'rprivate' } },
      ],
      IpcMode: 'private',
      CgroupnsMode: 'private',
      PublishAllPorts: false,
      PortBindings: {},
      Devices: [],
      RestartPolicy: { Name: 'no' },
      // The worker reads the exit code and logs, then removes the container itself.
      AutoRemove: false,
      // The runner streams and caps logs; the engine's own copy is bounded so a chatty run cannot fill the disk.
      LogConfig: { Type: 'json-file', Config: { 'max-size': formatByteSize(limits.runLogKillBytes), 'max-file': '1' } },
    },
  };
  if (input.runtime === 'runsc') spec.HostConfig.Runtime = 'runsc';
  if (input.name !== undefined) spec.name = input.name;
  return spec;
}

export interface ImageConfigCheck {
  ok: boolean;
  /** Rules the image breaks; it is rejected if there are any. */
  violations: string[];
  /** Settings of the image that the platform ignores or overrides. */
  notes: string[];
}

const FORBIDDEN_WORKDIR_ROOTS = ['/proc', '/sys', '/dev'];

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Checks an image config, either the config JSON from the tarball (`config`, `architecture`, `os`)
 * or `docker image inspect` output (`Config`, `Architecture`, `Os`).
 */
export function checkImageConfig(imageConfig: unknown): ImageConfigCheck {
  const violations: string[] = [];
  const notes: string[] = [];
  const root = asObject(imageConfig);
  if (!root) return { ok: false, violations: ['image config is not a JSON object'], notes };
  const config = asObject(root.config ?? root.Config) ?? {};
  const architecture = root.architecture ?? root.Architecture;
  const os = root.os ?? root.Os;

  if (architecture !== 'amd64') {
    violations.push(`architecture is ${JSON.stringify(architecture ?? null)} but only amd64 images can run (build with --platform linux/amd64)`);
  }
  if (os !== 'linux') violations.push(`os is ${JSON.stringify(os ?? null)} but only linux images can run`);

  const volumes = Object.keys(asObject(config.Volumes) ?? {});
  for (const volume of volumes) {
    violations.push(`VOLUME is not allowed: ${volume} (Docker would create a writable anonymous volume that bypasses the output cap)`);
  }

  const workingDir = typeof config.WorkingDir === 'string' ? config.WorkingDir : '';
  if (workingDir !== '') {
    const normalized = posix.normalize(posix.join('/', workingDir));
    const forbidden = FORBIDDEN_WORKDIR_ROOTS.find((dir) => normalized === dir || normalized.startsWith(`${dir}/`));
    if (forbidden) violations.push(`WORKDIR ${workingDir} is not allowed: it is under ${forbidden}`);
    else notes.push(`WORKDIR ${workingDir} is ignored: analyses start in ${CONTAINER_WORKING_DIR}, so use absolute paths in the entrypoint`);
  }

  const env = Array.isArray(config.Env) ? config.Env : [];
  for (const entry of env) {
    const name = typeof entry === 'string' ? entry.split('=')[0]! : '';
    if (name.startsWith('LOCKBOX_')) violations.push(`ENV ${name} is not allowed: LOCKBOX_* variables are reserved for the platform`);
  }

  if (typeof config.User === 'string' && config.User !== '') {
    notes.push(`USER ${config.User} is ignored: analyses always run as a fixed non-root user`);
  }
  const healthcheck = asObject(config.Healthcheck);
  const test = healthcheck && Array.isArray(healthcheck.Test) ? healthcheck.Test : [];
  if (test.length > 0 && test[0] !== 'NONE') notes.push('HEALTHCHECK is ignored');
  const ports = Object.keys(asObject(config.ExposedPorts) ?? {});
  if (ports.length > 0) notes.push(`EXPOSE ${ports.join(' ')} is ignored: analyses have no network`);
  const hasEntrypoint = Array.isArray(config.Entrypoint) && config.Entrypoint.length > 0;
  const hasCmd = Array.isArray(config.Cmd) && config.Cmd.length > 0;
  if (hasEntrypoint || hasCmd) notes.push("ENTRYPOINT and CMD are replaced by the manifest's entrypoint");

  return { ok: violations.length === 0, violations, notes };
}
