import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  readSync,
  realpathSync,
  rmSync,
  writeSync,
  writeFileSync,
} from 'node:fs';
import { platform } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, withPrivateUmask } from './private-state';

export type EmbeddedServiceName = 'postgres' | 'redis' | 'sqs' | 's3';

/** Progress messages for the person starting the stack (the launcher prints them). */
export type StackLog = (message: string) => void;

/** What every embedded service offers: `start()` again after `stop()` reuses the same port and state. */
export interface EmbeddedService {
  readonly name: EmbeddedServiceName;
  /** Chosen on the first start, then kept for restarts. */
  readonly port: number | undefined;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceCommand {
  command: string;
  args: string[];
  /** Added to the inherited environment. */
  env?: Record<string, string>;
  /** Only when running as root: PostgreSQL refuses to run as root. */
  account?: { uid: number; gid: number };
}

export class EmbeddedServiceError extends Error {
  constructor(
    readonly service: EmbeddedServiceName,
    reason: string,
    readonly logPath: string,
  ) {
    super(`embedded ${service} did not start: ${reason}\n--- last lines of ${logPath} ---\n${tailOf(logPath)}`);
    this.name = 'EmbeddedServiceError';
  }
}

/**
 * One child process of a stack. Its output is appended to `<home>/logs/<service>.log` and its pid kept
 * in `<home>/pids/<service>.pid`. It runs in its own directory under the home: a process whose working
 * directory is that directory belongs to this home's service, which is how a leftover is recognised
 * without ever touching another home's processes (pids get reused; working directories do not lie).
 */
export class ServiceProcess {
  readonly logPath: string;
  private readonly pidPath: string;
  private child?: ChildProcess;
  private exited?: Promise<string>;
  private stopping = false;

  constructor(
    private readonly service: EmbeddedServiceName,
    private readonly home: string,
    /** The service's own directory under the home, and its working directory. */
    private readonly workDir: string,
    /** The graceful stop; the child also gets it if the stack's process dies (see `parentDeathWrapper`). */
    private readonly stopSignal: NodeJS.Signals,
    private readonly log: StackLog,
  ) {
    this.logPath = join(home, 'logs', `${service}.log`);
    this.pidPath = join(home, 'pids', `${service}.pid`);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * An earlier stack in this home whose process was killed outright (or ran where setpriv is missing)
   * may have left its service running, holding the port, the data directory and its lock files.
   */
  async stopLeftover(): Promise<void> {
    const pid = readPidFile(this.pidPath);
    if (pid !== undefined && pid !== this.child?.pid && isProcessIn(pid, this.workDir)) {
      this.log(`${this.service}: stopping pid ${pid}, left running by an earlier stack in this home`);
      await terminate(pid, this.workDir, this.stopSignal);
    }
    rmSync(this.pidPath, { force: true });
  }

  /** Starts the long-running service process; `waitUntilReady` then says whether it came up. */
  spawn(command: ServiceCommand): void {
    if (this.child) throw new Error(`${this.service} is already running (pid ${this.child.pid})`);
    const child = this.launch(command, true);
    // Neither the child nor its log keeps the stack's process alive; stop() holds a timer while it waits.
    child.unref();
    trackForExit(child, this.stopSignal);
    this.child = child;
    this.stopping = false;
    this.exited = new Promise((resolve) => {
      let done = false;
      const ended = (how: string): void => {
        if (done) return;
        done = true;
        untrack(child);
        if (this.child === child) this.child = undefined;
        rmSync(this.pidPath, { force: true });
        if (!this.stopping) this.log(`${this.service} ${how}; see ${this.logPath}`);
        resolve(how);
      };
      child.once('error', (error) => ended(`could not be started (${error.message})`));
      child.once('exit', (code, signal) => ended(code === null ? `was killed by ${signal}` : `exited with code ${code}`));
    });
    if (child.pid !== undefined) {
      mkdirSync(join(this.home, 'pids'), { recursive: true, mode: PRIVATE_DIR_MODE });
      writeFileSync(this.pidPath, `${child.pid}\n`, { mode: PRIVATE_FILE_MODE });
    }
  }

  /** Polls `answers` until it is true; fails fast, with the log's tail, if the process ends meanwhile. */
  async waitUntilReady(answers: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    let ended: string | undefined;
    void this.exited?.then((how) => (ended = how));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (ended !== undefined) throw this.failure(`the process ${ended}`);
      if (await answers().catch(() => false)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw this.failure(`no answer within ${Math.round(timeoutMs / 1000)} s`);
      }
      await sleep(100);
    }
  }

  /** Sends the stop signal and waits for the process to end, escalating to SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    child.kill(this.stopSignal);
    const escalation = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(escalation);
  }

  /** Runs a one-off command (initdb) to completion, its output in the service's log. */
  async run(command: ServiceCommand, what: string): Promise<void> {
    const child = this.launch(command, false);
    const outcome = await new Promise<string | undefined>((resolve) => {
      child.once('error', (error) => resolve(`could not be started (${error.message})`));
      child.once('exit', (code, signal) => resolve(code === 0 ? undefined : code === null ? `killed by ${signal}` : `exit code ${code}`));
    });
    if (outcome !== undefined) throw this.failure(`${what} failed: ${outcome}`);
  }

  failure(reason: string): EmbeddedServiceError {
    return new EmbeddedServiceError(this.service, reason, this.logPath);
  }

  private launch(command: ServiceCommand, detached: boolean): ChildProcess {
    mkdirSync(join(this.home, 'logs'), { recursive: true, mode: PRIVATE_DIR_MODE });
    mkdirSync(this.workDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const logFd = openSync(this.logPath, 'a', PRIVATE_FILE_MODE);
    try {
      const commandLine = [command.command, ...command.args].map((part) => (part.length > 100 ? `${part.slice(0, 40)}…` : part)).join(' ');
      writeSync(logFd, `\n--- ${new Date().toISOString()} ${commandLine}\n`);
      const [file, args] = parentDeathWrapper(command, this.stopSignal);
      // What the service writes (s3rver's objects, above all) is private to the stack's owner.
      return withPrivateUmask(() =>
        spawn(file, args, {
          cwd: this.workDir,
          // The services need the ordinary environment (PATH, locale); this passes it on, it reads no settings.
          // eslint-disable-next-line no-restricted-properties
          env: { ...process.env, ...command.env },
          // Straight into the log file, not through pipes: the service must not depend on this process.
          stdio: ['ignore', logFd, logFd],
          // Own process group: a Ctrl-C at the terminal reaches the launcher only, which stops the
          // services in order (the API drains before PostgreSQL goes away).
          detached,
          uid: command.account?.uid,
          gid: command.account?.gid,
        }),
      );
    } finally {
      closeSync(logFd);
    }
  }
}

const SETPRIV = platform() === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path)) : undefined;

/**
 * On Linux, `setpriv --pdeathsig` (util-linux) asks the kernel to signal the service when the process
 * that spawned it dies, however it dies, SIGKILL included, so a killed launcher or jest run leaves
 * nothing behind. setpriv then execs the service: the pid stays the service's own. Elsewhere the exit
 * hook below covers normal exits and `stopLeftover` the rest.
 */
export function parentDeathWrapper(command: Pick<ServiceCommand, 'command' | 'args'>, signal: NodeJS.Signals): [string, string[]] {
  if (!SETPRIV) return [command.command, command.args];
  return [SETPRIV, ['--pdeathsig', signal, '--', command.command, ...command.args]];
}

const liveChildren = new Map<ChildProcess, NodeJS.Signals>();
let exitHookInstalled = false;

/** On a normal exit of the stack's process, its services get their stop signal (it cannot wait for them). */
function trackForExit(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!exitHookInstalled) {
    process.on('exit', () => {
      for (const [running, stopSignal] of liveChildren) running.kill(stopSignal);
    });
    exitHookInstalled = true;
  }
  liveChildren.set(child, signal);
}

function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
}

function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live process working in `dir`. Zombies and other users' processes we may not inspect say no. */
export function isProcessIn(pid: number, dir: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    return false;
  }
}

/** Stops a process that is not our child (so we cannot wait for its exit event): signal, poll, then SIGKILL. */
export async function terminate(pid: number, dir: string, signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
  const gone = async (waitMs: number): Promise<boolean> => {
    const deadline = Date.now() + waitMs;
    while (isProcessIn(pid, dir)) {
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
    return true;
  };
  sendSignal(pid, signal);
  if (await gone(timeoutMs)) return;
  sendSignal(pid, 'SIGKILL');
  if (!(await gone(5_000))) throw new Error(`pid ${pid} in ${dir} did not end after SIGKILL`);
}

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function tailOf(path: string, maxBytes = 4096, maxLines = 25): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, maxBytes));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString('utf8').trimEnd().split('\n').slice(-maxLines).join('\n');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}
