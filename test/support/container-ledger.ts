// Every analysis container a stack's workers start and stop, as the Docker Engine reports it: the event
// stream, filtered by the stack's `lockbox.instance` label. Counting starts by run and attempt, and the
// most containers of one run alive at once, is how a test proves "one container per attempt, never two
// at a time" without trusting the platform's own bookkeeping.
import type Docker from 'dockerode';

export interface ContainerStart {
  containerId: string;
  runId: string;
  attempt: number;
  workerId: string;
  at: number;
}

interface DockerEvent {
  Type?: string;
  Action?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export class ContainerLedger {
  readonly starts: ContainerStart[] = [];
  private readonly alive = new Map<string, Set<string>>();
  private readonly mostAlive = new Map<string, number>();
  private readonly listeners = new Set<(start: ContainerStart) => void>();

  private constructor(private readonly stream: NodeJS.ReadableStream & { destroy(): void }) {}

  static async open(docker: Docker, instanceId: string): Promise<ContainerLedger> {
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['start', 'die'], label: [`lockbox.instance=${instanceId}`] },
    })) as NodeJS.ReadableStream & { destroy(): void };
    const ledger = new ContainerLedger(stream);
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let end: number;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) ledger.record(JSON.parse(line) as DockerEvent);
      }
    });
    stream.on('error', () => undefined);
    return ledger;
  }

  startsOf(runId: string): ContainerStart[] {
    return this.starts.filter((start) => start.runId === runId);
  }

  /** The most containers of this run that were alive at the same time. */
  mostAliveAtOnce(runId: string): number {
    return this.mostAlive.get(runId) ?? 0;
  }

  /** Calls `listener` with every start from now on, as soon as the engine reports it; returns the function that stops. */
  onStart(listener: (start: ContainerStart) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs with a container still alive. */
  liveRuns(): string[] {
    return [...this.alive].filter(([, ids]) => ids.size > 0).map(([runId]) => runId);
  }

  close(): void {
    this.stream.destroy();
  }

  private record(event: DockerEvent): void {
    const labels = event.Actor?.Attributes ?? {};
    const runId = labels['lockbox.run'];
    const containerId = event.Actor?.ID ?? event.id ?? '';
    if (!runId) return;
    const alive = this.alive.get(runId) ?? new Set<string>();
    this.alive.set(runId, alive);
    if (event.Action === 'start') {
      alive.add(containerId);
      this.mostAlive.set(runId, Math.max(this.mostAlive.get(runId) ?? 0, alive.size));
      const start = { containerId, runId, attempt: Number(labels['lockbox.attempt']), workerId: labels['lockbox.worker'] ?? '', at: Date.now() };
      this.starts.push(start);
      for (const listener of this.listeners) listener(start);
    } else if (event.Action === 'die') {
      alive.delete(containerId);
    }
  }
}
