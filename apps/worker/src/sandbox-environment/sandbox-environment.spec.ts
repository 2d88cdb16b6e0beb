import { sandboxEnvironmentProblems } from './sandbox-environment';

const seccompDefault = ['name=apparmor', 'name=seccomp,profile=default', 'name=cgroupns'];

describe('sandboxEnvironmentProblems', () => {
  it('lets a worker start on an engine with default seccomp', () => {
    expect(sandboxEnvironmentProblems({ engine: { reachable: true, securityOptions: seccompDefault } })).toEqual([]);
  });

  it('refuses an unreachable engine, saying what to do', () => {
    const problems = sandboxEnvironmentProblems({ engine: { reachable: false, error: 'connect ENOENT /var/run/docker.sock' } });
    expect(problems).toEqual([expect.stringMatching(/Docker Engine is unreachable \(connect ENOENT.*DOCKER_HOST/)]);
  });

  it('refuses an engine without seccomp, or with an unconfined default profile', () => {
    expect(sandboxEnvironmentProblems({ engine: { reachable: true, securityOptions: ['name=apparmor'] } })).toEqual([
      expect.stringMatching(/does not offer seccomp/),
    ]);
    expect(sandboxEnvironmentProblems({ engine: { reachable: true, securityOptions: ['name=seccomp,profile=unconfined'] } })).toEqual([
      expect.stringMatching(/seccomp profile is unconfined/),
    ]);
  });

  it('refuses when the required runtime does not work, and accepts when it does', () => {
    const engine = { reachable: true as const, securityOptions: seccompDefault };
    expect(sandboxEnvironmentProblems({ engine, requiredRuntime: 'runsc', workingRuntimes: ['runc'] })).toEqual([
      expect.stringMatching(/LOCKBOX_SANDBOX_RUNTIME=runsc requires the runsc runtime.*\(working: runc\)/),
    ]);
    expect(sandboxEnvironmentProblems({ engine, requiredRuntime: 'runsc', workingRuntimes: ['runc', 'runsc'] })).toEqual([]);
  });

  it('names every problem at once', () => {
    expect(sandboxEnvironmentProblems({ engine: { reachable: true, securityOptions: [] }, requiredRuntime: 'runsc', workingRuntimes: [] })).toHaveLength(2);
  });
});
