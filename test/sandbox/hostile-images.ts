// The attack catalogue's one hostile image and the harness that runs it exactly as the worker does:
// through SandboxRunner with the platform policy and limits, an input staged read-only and a work dir
// of its own. Built offline once per test process, FROM lockbox/busybox:1.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { DEFAULT_PLATFORM_LIMITS, parseResources, type SandboxRuntime } from '@lockbox/analysis-sdk';
import { listStackContainers, type SandboxOutcome, SandboxRunner } from '@lockbox/analysis-sdk/sandbox';

const execFileAsync = promisify(execFile);

/**
 * `attack.sh <mode> [args]`. Every probe that a sandbox must stop is written `try <name> <command…>`:
 * the result's table says `blocked`, or `ESCAPED` when the command succeeded. The table is how a hostile
 * analysis would report its loot, so the tests read the verdict from what the analysis itself saw.
 */
export const ATTACK_SH = String.raw`#!/bin/sh
mode=$1; shift
rows=''
row() { if [ -n "$rows" ]; then rows="$rows,"; fi; rows="$rows[\"$1\",\"$2\"]"; }
try() { name=$1; shift; if "$@" >/dev/null 2>&1; then row "$name" ESCAPED; else row "$name" blocked; fi; }
report() {
  printf '{"schemaVersion":1,"summary":"%s","blocks":[{"type":"table","columns":["attack","outcome"],"rows":[%s]}]}' "$1" "$rows" > /output/result.json
}
case "$mode" in
  well-behaved)
    n=$(wc -l < /input/data/social.posts.jsonl)
    printf '{"schemaVersion":1,"summary":"%s posts","blocks":[]}' "$n" > /output/result.json ;;
  network)
    api_port=$1
    try egress-ip wget -q -T 3 -O /tmp/x http://1.1.1.1/
    try egress-tcp nc -w 3 8.8.8.8 53
    try bridge-gateway wget -q -T 3 -O /tmp/x "http://172.17.0.1:$api_port/api/v1/health"
    try host-api-loopback wget -q -T 3 -O /tmp/x "http://127.0.0.1:$api_port/api/v1/health"
    try dns nslookup example.com
    try interface-other-than-lo sh -c "ip -o link | grep -v ' lo:' | grep -q ."
    report network ;;
  host-files)
    canary=$1
    try read-host-canary cat "$canary"
    try read-host-canary-via-proc cat "/proc/1/root$canary"
    try find-host-canary sh -c "find / -xdev -name '$(basename "$canary")' 2>/dev/null | grep -q ."
    try docker-socket test -e /var/run/docker.sock
    try docker-socket-run test -e /run/docker.sock
    try read-shadow cat /etc/shadow
    try nsenter-host nsenter -t 1 -m -u -n -i true
    report host-files ;;
  combined)
    # What one hostile analysis tries when a user runs it through the API (hostile-analysis.sandbox-spec.ts).
    api_port=$1
    try egress-ip wget -q -T 3 -O /tmp/x http://1.1.1.1/
    try bridge-gateway wget -q -T 3 -O /tmp/x "http://172.17.0.1:$api_port/api/v1/health"
    try dns nslookup example.com
    try read-shadow cat /etc/shadow
    try docker-socket test -e /var/run/docker.sock
    try write-root sh -c 'echo x > /lockbox-escape'
    try write-input sh -c 'echo x > /input/lockbox-escape'
    try write-app sh -c 'echo x > /app/lockbox-escape'
    env
    report combined ;;
  env)
    env | sort
    vars=$(env | cut -d= -f1 | sort | tr '\n' ' ')
    printf '{"schemaVersion":1,"summary":"env","blocks":[{"type":"markdown","text":"%s"}]}' "$vars" > /output/result.json ;;
  privilege)
    row uid "$(id -u):$(id -g)"
    try mount-tmpfs sh -c 'mkdir -p /tmp/m && mount -t tmpfs none /tmp/m'
    try unshare-user unshare -r true
    try unshare-mount unshare -m true
    try chroot chroot / true
    # gVisor lets mknod create the node in its own tmpfs; what matters is that it never opens host memory.
    try mknod-host-memory sh -c 'mknod /tmp/mem c 1 1 && head -c 1 /tmp/mem'
    try setuid-copy sh -c 'cp /bin/busybox /tmp/sb && chmod u+s /tmp/sb && /tmp/sb true'
    try exec-from-tmp sh -c 'cp /bin/busybox /tmp/bb && chmod +x /tmp/bb && /tmp/bb true'
    try sysctl-write sysctl -w kernel.hostname=pwned
    try chown-output sh -c 'touch /output/f && chown 0:0 /output/f'
    rm -f /output/f
    report privilege ;;
  writes)
    token=$1
    try write-root sh -c "echo x > /$token"
    try write-etc sh -c 'echo "evil:x:0:0::/:/bin/sh" >> /etc/passwd'
    try write-input sh -c "echo x > /input/$token"
    try write-input-data sh -c 'echo x >> /input/data/social.posts.jsonl'
    try write-app sh -c "echo x > /app/$token"
    try hardlink-input ln /input/run.json /output/run-copy.json
    report writes ;;
  fill-tmp)
    dd if=/dev/zero of=/tmp/fill bs=1M count=1024 2>/dev/null
    dd if=/dev/zero of=/dev/shm/fill bs=1M count=1024 2>/dev/null
    row tmp-bytes "$(stat -c %s /tmp/fill 2>/dev/null || echo 0)"
    row shm-bytes "$(stat -c %s /dev/shm/fill 2>/dev/null || echo 0)"
    rm -f /tmp/fill /dev/shm/fill
    report fill-tmp ;;
  fork-bomb)
    bomb() { bomb | bomb & }
    bomb
    sleep 600 ;;
  cpu-spin)
    trap '' TERM INT
    while :; do :; done ;;
  zombies)
    # Children that exit while their parent never waits: Init (tini) reaps them when the parent goes.
    for i in $(seq 1 50); do sh -c 'sleep 0.1 & exec sleep 0' & done
    sleep 1
    printf '{"schemaVersion":1,"summary":"zombies","blocks":[]}' > /output/result.json ;;
  output-links)
    ln -s / /output/root-link
    ln -s /etc/passwd /output/passwd-link
    printf '{"schemaVersion":1,"summary":"links","blocks":[]}' > /output/result.json ;;
  output-hardlink)
    printf '{"schemaVersion":1,"summary":"hardlink","blocks":[]}' > /output/result.json
    mkdir /output/artifacts && ln /output/result.json /output/artifacts/copy.json ;;
  result-nul)
    printf '{"schemaVersion":1,"summary":"nul\000byte","blocks":[]}' > /output/result.json ;;
  result-invalid-utf8)
    printf '{"schemaVersion":1,"summary":"bad \377\376 bytes","blocks":[]}' > /output/result.json ;;
  *) echo "unknown mode $mode" >&2; exit 64 ;;
esac
`;

let hostileImage: Promise<string> | undefined;

/** The hostile image, built once per test process with the classic builder (offline, FROM a local base). */
function buildHostileImage(): Promise<string> {
  hostileImage ??= (async () => {
    const context = await mkdtemp(join(tmpdir(), 'lockbox-hostile-image-'));
    try {
      await writeFile(join(context, 'attack.sh'), ATTACK_SH, { mode: 0o755 });
      await writeFile(join(context, 'Dockerfile'), 'FROM lockbox/busybox:1\nCOPY attack.sh /app/attack.sh\n');
      const { stdout } = await execFileAsync('docker', ['build', '--quiet', context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
      return stdout.trim();
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  })();
  return hostileImage;
}

export interface HostileRun {
  outcome: SandboxOutcome;
  /** The analysis' own report: attack name → `blocked` / `ESCAPED` (or a value). */
  table: Record<string, string>;
  runId: string;
  workDir: string;
}

export interface HostileRunOptions {
  args?: string[];
  memory?: string;
  timeout?: number;
  output?: string;
  runtime?: SandboxRuntime;
}

/**
 * Runs one mode of the hostile image the way the worker runs an analysis, in a fresh work dir under
 * `root`, labelled with `instance` (never the test stack's, so its reaper leaves these alone).
 */
export class HostileHarness {
  private readonly docker = new Docker();
  private readonly runner = new SandboxRunner(this.docker);
  readonly instance = `sandbox-suite-${process.pid}-${Date.now().toString(36)}`;
  private seq = 0;
  root = '';
  inputDir = '';

  async setUp(): Promise<void> {
    this.root = await mkdtemp(join(tmpdir(), 'lockbox-sandbox-suite-'));
    this.inputDir = join(this.root, 'input');
    await mkdir(join(this.inputDir, 'data'), { recursive: true });
    await chmod(this.root, 0o755);
    await chmod(this.inputDir, 0o755);
    await chmod(join(this.inputDir, 'data'), 0o755);
    await writeFile(join(this.inputDir, 'run.json'), JSON.stringify({ runId: 'run-staged', analysis: 'hostile', version: '1.0.0', params: {}, scopes: {} }), {
      mode: 0o644,
    });
    await writeFile(join(this.inputDir, 'data', 'social.posts.jsonl'), `${JSON.stringify({ kind: 'social.posts', likes: 1 })}\n`, { mode: 0o644 });
    await buildHostileImage();
  }

  async tearDown(): Promise<void> {
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }

  async run(mode: string, options: HostileRunOptions = {}): Promise<HostileRun> {
    const runId = `${mode}-${++this.seq}`;
    const workDir = join(this.root, 'work', runId);
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const outcome = await this.runner.run({
      imageId: await buildHostileImage(),
      manifest: {
        entrypoint: ['/bin/sh', '/app/attack.sh', mode, ...(options.args ?? [])],
        resources: parseResources({ memory: options.memory ?? '128m', cpu: 0.5, timeout: options.timeout ?? 30, output: options.output ?? '4m' }),
      },
      runtime: options.runtime ?? 'runc',
      limits: DEFAULT_PLATFORM_LIMITS,
      inputDir: this.inputDir,
      workDir,
      labels: { instance: this.instance, runId, attempt: 1, workerId: 'sandbox-suite' },
      env: { LOCKBOX_RUN_ID: runId },
    });
    return { outcome, table: tableOf(outcome), runId, workDir };
  }

  /**
   * The host as a run left it: no container of the run, no mount under its work dir, the work dir empty
   * (the runner removed the output area), and the input exactly as staged.
   */
  async leftovers(run: Pick<HostileRun, 'runId' | 'workDir'>): Promise<string[]> {
    const found: string[] = [];
    const containers = await this.docker.listContainers({ all: true, filters: { label: [`lockbox.instance=${this.instance}`, `lockbox.run=${run.runId}`] } });
    for (const container of containers) found.push(`container ${container.Id}`);
    const mounts = (await readFile('/proc/self/mounts', 'utf8')).split('\n').map((line) => line.split(' ')[1] ?? '');
    for (const mountPoint of mounts) if (mountPoint.startsWith(`${run.workDir}/`)) found.push(`mount ${mountPoint}`);
    if (existsSync(run.workDir)) for (const entry of await readdir(run.workDir)) found.push(`file ${join(run.workDir, entry)}`);
    const input = await readdir(this.inputDir);
    if (input.sort().join() !== 'data,run.json') found.push(`input changed: ${input.join(', ')}`);
    const data = await readFile(join(this.inputDir, 'data', 'social.posts.jsonl'), 'utf8');
    if (data.split('\n').length !== 2) found.push('input data changed');
    return found;
  }

  /** Every container this harness started and that is still there (none, once the suite is done). */
  async containers(): Promise<string[]> {
    return (await listStackContainers(this.docker, this.instance)).map((container) => container.id);
  }
}

function tableOf(outcome: SandboxOutcome): Record<string, string> {
  const block = outcome.result?.blocks.find((candidate) => candidate.type === 'table') as { rows?: unknown[][] } | undefined;
  return Object.fromEntries((block?.rows ?? []).map((row) => [String(row[0]), String(row[1])]));
}

/** Whether the engine can start runsc containers here (the subset marked for it runs again under gVisor). */
export async function runscWorks(): Promise<boolean> {
  try {
    const { stdout } = await execFileAsync('docker', ['run', '--rm', '--runtime=runsc', '--network=none', 'lockbox/busybox:1', 'true'], { timeout: 60_000 });
    return stdout.trim() === '';
  } catch {
    return false;
  }
}
