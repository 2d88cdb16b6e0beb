import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parentDeathWrapper, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '@lockbox/embedded';
import { type EchoStyle, TerminalEcho } from './terminal-echo';

/** One platform process (API or worker) run by the launcher, its output kept in `<home>/logs/`. */
export class PlatformProcess {
  private child?: ChildProcess;
  private stopping = false;

  constructor(
    readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    private readonly echo: EchoStyle,
  ) {}

  /** `onUnexpectedExit` hears how the process ended ("code 1", "signal SIGKILL") unless `stop` ended it. */
  start(onUnexpectedExit: (how: string) => void): void {
    mkdirSync(this.logDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const log = createWriteStream(join(this.logDir, `${this.name}.log`), { flags: 'a', mode: PRIVATE_FILE_MODE });
    // Own process group, so a Ctrl-C reaches the launcher only and it stops the processes in order;
    // the parent-death signal ends them even if the launcher itself is killed outright.
    const [file, args] = parentDeathWrapper({ command: process.execPath, args: ['--enable-source-maps', this.script] }, 'SIGTERM');
    const child = spawn(file, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const echoes: TerminalEcho[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      stream?.pipe(log, { end: false });
      if (this.echo === 'off') continue;
      const echo = new TerminalEcho(this.name, this.echo);
      echoes.push(echo);
      stream?.on('data', (chunk: Buffer) => echo.push(chunk));
    }
    child.on('exit', (code, signal) => {
      for (const echo of echoes) echo.end();
      log.end();
      if (!this.stopping) onUnexpectedExit(code === null ? `signal ${signal}` : `code ${code}`);
    });
    this.child = child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM, then SIGKILL if the process has not finished its graceful shutdown in time. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
