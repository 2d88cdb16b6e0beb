import Docker from 'dockerode';
import type { EngineStatus } from '@lockbox/db';

export const BASE_IMAGE = 'lockbox/node-base:24';
const KNOWN_RUNTIMES = ['runc', 'runsc'] as const;
export type ContainerRuntime = (typeof KNOWN_RUNTIMES)[number];

/** Where the Docker Engine is: `DOCKER_HOST` (unix:// or tcp://) or the default socket. */
export function dockerClientFor(host: string | undefined): Docker {
  if (!host) return new Docker({ socketPath: '/var/run/docker.sock' });
  const url = new URL(host);
  if (url.protocol === 'unix:') return new Docker({ socketPath: url.pathname });
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: url.protocol === 'https:' ? 'https' : 'http' });
}

/** The Docker Engine as the platform sees it: reachability and which runtimes really work. */
export class DockerEngineRepository {
  constructor(private readonly docker: Docker) {}

  async status(): Promise<EngineStatus> {
    try {
      const version = await this.docker.version();
      return { reachable: true, version: version.Version };
    } catch (error) {
      return { reachable: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** The engine's view of a local image (`docker image inspect`), or undefined when it does not have it. */
  async inspectImage(imageId: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(imageId).inspect();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  /**
   * Runtimes registered with the engine that can actually start a container: a registered runtime
   * whose binary fails (as runsc can on some kernels) is not reported.
   */
  async workingRuntimes(probeImage = BASE_IMAGE): Promise<ContainerRuntime[]> {
    const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown> };
    const registered = KNOWN_RUNTIMES.filter((runtime) => runtime in (info.Runtimes ?? {}));
    const results = await Promise.all(registered.map(async (runtime) => ((await this.probe(runtime, probeImage)) ? runtime : undefined)));
    return results.filter((runtime): runtime is ContainerRuntime => runtime !== undefined);
  }

  private async probe(runtime: ContainerRuntime, image: string): Promise<boolean> {
    let container: Docker.Container | undefined;
    try {
      container = await this.docker.createContainer({
        Image: image,
        Entrypoint: ['node', '-e', 'process.exit(0)'],
        Cmd: [],
        NetworkDisabled: true,
        Labels: { 'lockbox.probe': 'runtime' },
        HostConfig: { Runtime: runtime, NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'] },
      });
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      return StatusCode === 0;
    } catch {
      return false;
    } finally {
      await container?.remove({ force: true }).catch(() => undefined);
    }
  }
}
