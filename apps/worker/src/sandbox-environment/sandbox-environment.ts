/** What the worker learns about its host at start-up, before it takes any job. */
export interface SandboxEnvironmentFacts {
  engine: { reachable: true; securityOptions: readonly string[] } | { reachable: false; error: string };
  /** Runtimes that really started a probe container; only probed when policy requires one. */
  workingRuntimes?: readonly string[];
  /** `sandbox.requiredRuntime` from the configuration. */
  requiredRuntime?: 'runsc';
}

/**
 * Why this host would weaken the sandbox, one sentence each; empty when the worker may start.
 * The container policy keeps Docker's default seccomp profile rather than shipping one, so an engine
 * without seccomp (or with an unconfined default) would run analyses with every syscall open.
 */
export function sandboxEnvironmentProblems(facts: SandboxEnvironmentFacts): string[] {
  if (!facts.engine.reachable) {
    return [`the Docker Engine is unreachable (${facts.engine.error}); set DOCKER_HOST or start dockerd`];
  }
  const problems: string[] = [];
  const seccomp = facts.engine.securityOptions.map(parseSecurityOption).find((option) => option.name === 'seccomp');
  if (!seccomp) {
    problems.push('the Docker Engine does not offer seccomp (docker info lists no seccomp security option), so analyses would run without a syscall filter');
  } else if (seccomp.profile === 'unconfined') {
    problems.push("the Docker Engine's default seccomp profile is unconfined, so analyses would run without a syscall filter");
  }
  if (facts.requiredRuntime && !(facts.workingRuntimes ?? []).includes(facts.requiredRuntime)) {
    problems.push(
      `LOCKBOX_SANDBOX_RUNTIME=${facts.requiredRuntime} requires the ${facts.requiredRuntime} runtime, but it cannot start containers on this engine ` +
        `(working: ${(facts.workingRuntimes ?? []).join(', ') || 'none'}); register it in /etc/docker/daemon.json (ARCHITECTURE §5)`,
    );
  }
  return problems;
}

/** `name=seccomp,profile=default` → { name: 'seccomp', profile: 'default' }. */
function parseSecurityOption(option: string): Record<string, string> {
  return Object.fromEntries(
    option.split(',').map((pair) => {
      const [key, ...value] = pair.split('=');
      return [key!.trim(), value.join('=').trim()];
    }),
  );
}
