import type { SandboxRuntime } from '@lockbox/analysis-sdk';

/** What a container is started for: a user's run of an approved version, or the automated check of an unreviewed submission. */
export type RuntimePurpose = 'run' | 'check';

export interface RuntimeRequest {
  purpose: RuntimePurpose;
  /** The manifest's `runtime`, when it names one. */
  requested?: SandboxRuntime;
  /** Runtimes this worker's engine can really start containers with (the heartbeat's probe result). */
  available: readonly string[];
  /** `sandbox.requiredRuntime === 'runsc'` (LOCKBOX_SANDBOX_RUNTIME=runsc): every container must use gVisor. */
  forceRunsc: boolean;
}

/** Either the runtime to start the container with, or why no container may be started at all. */
export type RuntimeChoice = { runtime: SandboxRuntime; reason: string; refusal?: undefined } | { runtime?: undefined; refusal: string };

/**
 * The one rule for which OCI runtime a sandboxed container uses (ARCHITECTURE §5):
 * - an operator who requires runsc gets it for every container, or none starts;
 * - a manifest that asks for runsc gets it, or the run fails clearly (never silently weaker);
 * - code nobody has reviewed yet (a submission's automated check) gets runsc whenever it works here,
 *   since it is the least trusted code the platform executes; without runsc it falls back to runc,
 *   whose policy (seccomp, no capabilities, no network, read-only root) still holds;
 * - everything else uses runc (the engine's default; the worker refuses to start without a working engine).
 */
export function chooseRuntime(request: RuntimeRequest): RuntimeChoice {
  const hasRunsc = request.available.includes('runsc');
  if (request.forceRunsc) {
    return hasRunsc
      ? { runtime: 'runsc', reason: 'LOCKBOX_SANDBOX_RUNTIME=runsc requires gVisor for every container' }
      : { refusal: 'LOCKBOX_SANDBOX_RUNTIME=runsc requires gVisor (runsc), but this worker cannot start runsc containers' };
  }
  if (request.requested === 'runsc') {
    return hasRunsc
      ? { runtime: 'runsc', reason: 'the manifest asks for gVisor (runsc)' }
      : { refusal: 'the analysis asks for the gVisor sandbox (runtime "runsc"), which this worker cannot provide' };
  }
  if (request.purpose === 'check' && hasRunsc) {
    return { runtime: 'runsc', reason: 'an unreviewed submission is checked under gVisor when it is available' };
  }
  return { runtime: 'runc', reason: request.purpose === 'check' ? 'gVisor (runsc) is not available here; checking under runc' : 'the default runtime' };
}
