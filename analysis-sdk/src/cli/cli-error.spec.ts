import { systemErrorMessage } from './cli-error';
import { engineUnreachable } from './docker-cli';

const systemError = (code: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(`${code}: something`), { code, ...fields });

describe('systemErrorMessage', () => {
  it('names the path or the address and what went wrong', () => {
    expect(systemErrorMessage(systemError('EISDIR', { path: '/p/fixtures', syscall: 'read' }))).toBe('/p/fixtures: is a directory, where a file was expected');
    expect(systemErrorMessage(systemError('EACCES', { path: '/etc/shadow' }))).toBe('/etc/shadow: permission denied');
    expect(systemErrorMessage(systemError('ENOSPC'))).toBe('no space left on the device (ENOSPC)');
  });

  it("finds the socket's error in the cause of fetch's 'fetch failed'", () => {
    const failed = new TypeError('fetch failed', { cause: systemError('ECONNREFUSED', { address: '127.0.0.1', port: 9 }) });
    expect(systemErrorMessage(failed)).toBe('127.0.0.1:9: connection refused (is it running?)');
  });

  it('leaves anything else to the caller: a bug is not a user mistake', () => {
    expect(systemErrorMessage(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBeUndefined();
    expect(systemErrorMessage(systemError('ERR_INTERNAL_ASSERTION'))).toBeUndefined();
    expect(systemErrorMessage('a string')).toBeUndefined();
  });
});

describe('engineUnreachable', () => {
  it("turns the docker CLI's connection errors into what to do", () => {
    expect(engineUnreachable('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')?.message).toContain(
      'the Docker Engine does not answer',
    );
    expect(engineUnreachable('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock')?.message).toContain(
      'docker group',
    );
    expect(engineUnreachable('Error response from daemon: No such image: x')).toBeUndefined();
  });
});
