import { chooseRuntime } from './runtime-policy';

describe('chooseRuntime', () => {
  it('runs approved analyses under runc unless asked otherwise', () => {
    expect(chooseRuntime({ purpose: 'run', available: ['runc', 'runsc'], forceRunsc: false }).runtime).toBe('runc');
  });

  it('checks unreviewed submissions under runsc when it works here, and under runc when it does not', () => {
    expect(chooseRuntime({ purpose: 'check', available: ['runc', 'runsc'], forceRunsc: false }).runtime).toBe('runsc');
    expect(chooseRuntime({ purpose: 'check', available: ['runc'], forceRunsc: false }).runtime).toBe('runc');
  });

  it('gives a manifest that asks for runsc exactly that, or refuses; never silently runc', () => {
    expect(chooseRuntime({ purpose: 'run', requested: 'runsc', available: ['runc', 'runsc'], forceRunsc: false }).runtime).toBe('runsc');
    const refused = chooseRuntime({ purpose: 'run', requested: 'runsc', available: ['runc'], forceRunsc: false });
    expect(refused.runtime).toBeUndefined();
    expect(refused.refusal).toMatch(/gVisor/);
  });

  it('uses runsc for every container when the operator requires it, even where the manifest says runc', () => {
    for (const purpose of ['run', 'check'] as const) {
      expect(chooseRuntime({ purpose, requested: 'runc', available: ['runc', 'runsc'], forceRunsc: true }).runtime).toBe('runsc');
      expect(chooseRuntime({ purpose, available: ['runc'], forceRunsc: true }).refusal).toMatch(/LOCKBOX_SANDBOX_RUNTIME=runsc/);
    }
  });
});
