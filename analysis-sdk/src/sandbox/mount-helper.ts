// Runs `mount` and `umount` for the output areas through one long-lived /bin/sh. Spawning a command forks
// the calling process, and forking a worker of a few hundred MB blocked its event loop for several
// milliseconds twice per run: under load that was a third of the worker's CPU. Forking the small shell
// for each command costs almost nothing. Only these two commands are run, with arguments that cannot
// be read as anything but words; anything else goes through execFile as before.
import { type ChildProcessByStdio, execFile, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Reads one command per line, runs it if it is mount or umount, answers `<exit code> <output on one line>`. */
const LOOP = `
while IFS= read -r line; do
  set -f; set -- $line; set +f
  case "$1" in mount|umount) ;; *) echo "127 only mount and umount"; continue ;; esac
  out=$("$@" 2>&1); code=$?
  printf '%s %s\\n' "$code" "$(printf '%s' "$out" | tr '\\n' ' ')"
done
`;

/** What a word may hold to be passed through the shell unchanged: no space, quote, glob or control character. */
const PLAIN_WORD = /^[\w./,=:+@-]+$/;

interface Pending {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

class MountShell {
  private child?: ChildProcessByStdio<Writable, Readable, null>;
  private readonly pending: Pending[] = [];

  run(command: 'mount' | 'umount', args: string[], timeoutMs: number): Promise<void> {
    const child = this.child ?? this.start();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`${command} did not finish within ${timeoutMs} ms`)), timeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.holdProcessOpen(true);
      child.stdin.write(`${[command, ...args].join(' ')}\n`);
    });
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    const child = spawn('/bin/sh', ['-c', LOOP], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child = child;
    child.on('error', (error) => this.fail(error));
    child.on('exit', () => this.fail(new Error('the mount shell exited')));
    child.stdin.on('error', () => undefined); // a dead shell is reported by 'exit'
    createInterface({ input: child.stdout }).on('line', (line) => this.answer(line));
    this.holdProcessOpen(false);
    return child;
  }

  private answer(line: string): void {
    const next = this.pending.shift();
    if (!next) return;
    clearTimeout(next.timer);
    if (this.pending.length === 0) this.holdProcessOpen(false);
    const space = line.indexOf(' ');
    const code = line.slice(0, space);
    if (code === '0') next.resolve();
    else next.reject(new Error(`exit code ${code}: ${line.slice(space + 1).trim()}`));
  }

  /** Ends the shell and fails whatever it still owed an answer; the next command starts a new one. */
  private fail(error: Error): void {
    const child = this.child;
    this.child = undefined;
    child?.kill('SIGKILL');
    for (const waiting of this.pending.splice(0)) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }

  /** An idle shell must not keep the process alive (the CLI, a benchmark); one that owes an answer must. */
  private holdProcessOpen(hold: boolean): void {
    const child = this.child;
    if (!child) return;
    for (const handle of [child, child.stdin, child.stdout] as unknown as Array<{ ref(): void; unref(): void }>) {
      if (hold) handle.ref();
      else handle.unref();
    }
  }
}

let shell: MountShell | undefined;

/** `mount`/`umount` with these arguments, through the shared shell when they are plain words. */
export async function runMountCommand(command: 'mount' | 'umount', args: string[], timeoutMs: number): Promise<void> {
  if (!args.every((arg) => PLAIN_WORD.test(arg))) {
    await run(command, args, { timeout: timeoutMs });
    return;
  }
  shell ??= new MountShell();
  await shell.run(command, args, timeoutMs);
}
