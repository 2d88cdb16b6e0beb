// Loads submitted images into the local engine by ID only (ARCHITECTURE §2, §5): the tarball is
// sanitized so that `docker load` can never create or move a tag, and the result is checked by image ID.
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { sanitizeImageTarball } from './image-sanitizer';

const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;
/** The load progress stream is a few short JSON lines; a longer one is not the engine talking. */
const MAX_PROGRESS_LINE_BYTES = 64 * 1024;

export class ImageLoadError extends Error {
  constructor(
    readonly imageId: string,
    message: string,
  ) {
    super(`Loading image ${imageId} failed: ${message}`);
    this.name = 'ImageLoadError';
  }
}

export type ImageRemoval = 'removed' | 'absent' | 'tagged';

export class ImageLoader {
  constructor(private readonly docker: Docker) {}

  /**
   * `docker load`s the tarball (sanitized on the way) and checks that the image `expectedImageId` is now
   * in the engine. Throws ImageLoadError when the engine reports an error, when the load created a tag, or
   * when the image is not there afterwards.
   */
  async load(tarball: Readable, expectedImageId: string): Promise<void> {
    assertImageId(expectedImageId);
    const sanitized = sanitizeImageTarball(tarball);
    let progress: NodeJS.ReadableStream;
    try {
      progress = await this.docker.loadImage(sanitized, { quiet: true });
    } catch (error) {
      sanitized.destroy();
      throw new ImageLoadError(expectedImageId, errorMessage(error));
    }
    const loaded = await readLoadProgress(progress, expectedImageId);
    const unexpected = loaded.filter((id) => id !== expectedImageId);
    if (unexpected.length > 0) {
      // Not removed here: the same ID may belong to an image this engine already had for another reason.
      throw new ImageLoadError(expectedImageId, `the tarball held a different image (${unexpected.join(', ')})`);
    }
    const image = await this.inspect(expectedImageId);
    if (!image) throw new ImageLoadError(expectedImageId, 'the engine does not have the image after loading the tarball');
    if (image.Id !== expectedImageId) throw new ImageLoadError(expectedImageId, `the engine reports the image as ${image.Id}`);
  }

  async has(imageId: string): Promise<boolean> {
    assertImageId(imageId);
    return (await this.inspect(imageId)) !== undefined;
  }

  /**
   * Removes a loaded submission image. Force, because stopped containers of earlier runs may still refer
   * to it; no pruning of parent images. A tagged image is left alone and reported as `tagged`: loaded
   * submissions never carry tags, so a tagged image with this ID (e.g. a base image submitted unchanged)
   * belongs to someone else.
   */
  async remove(imageId: string): Promise<ImageRemoval> {
    assertImageId(imageId);
    const image = await this.inspect(imageId);
    if (!image) return 'absent';
    if ((image.RepoTags ?? []).some((tag) => tag !== '<none>:<none>')) return 'tagged';
    try {
      await this.docker.getImage(imageId).remove({ force: true, noprune: true });
      return 'removed';
    } catch (error) {
      if (statusCode(error) === 404) return 'absent';
      throw error;
    }
  }

  private async inspect(imageId: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(imageId).inspect();
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }
}

/** Only a full image ID is accepted: a name like `repo:tag` would make the engine resolve a tag instead. */
function assertImageId(imageId: string): void {
  if (!IMAGE_ID.test(imageId)) throw new TypeError(`Expected an image ID (sha256: and 64 hex digits), got ${JSON.stringify(imageId)}`);
}

/**
 * Reads the engine's JSON progress lines to the end. Returns the IDs it reports as loaded; throws on an
 * error line and on a "Loaded image: <name>" line, which would mean a tag was created.
 */
async function readLoadProgress(progress: NodeJS.ReadableStream, imageId: string): Promise<string[]> {
  const loaded: string[] = [];
  let pending = '';
  const handle = (line: string) => {
    if (line.trim() === '') return;
    let message: { error?: unknown; errorDetail?: { message?: unknown }; stream?: unknown };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      throw new ImageLoadError(imageId, `unexpected output from the engine: ${line.slice(0, 200)}`);
    }
    if (message.error !== undefined || message.errorDetail !== undefined) {
      throw new ImageLoadError(imageId, String(message.errorDetail?.message ?? message.error));
    }
    const text = typeof message.stream === 'string' ? message.stream.trim() : '';
    const id = /^Loaded image ID: (sha256:[a-f0-9]{64})$/.exec(text);
    if (id) loaded.push(id[1]!);
    else if (text.startsWith('Loaded image:')) throw new ImageLoadError(imageId, `the engine tagged the image (${text}); the tarball was not sanitized`);
  };
  try {
    for await (const chunk of progress as AsyncIterable<Buffer | string>) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > MAX_PROGRESS_LINE_BYTES) throw new ImageLoadError(imageId, 'the engine sent an overlong progress line');
      lines.forEach(handle);
    }
  } catch (error) {
    (progress as Readable).destroy?.();
    if (error instanceof ImageLoadError) throw error;
    throw new ImageLoadError(imageId, errorMessage(error));
  }
  handle(pending);
  return loaded;
}

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
