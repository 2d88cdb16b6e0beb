import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, type Readable } from 'node:stream';

export interface MultipartFile {
  fieldName: string;
  filename: string;
  mimeType: string;
  /**
   * The part's bytes as they arrive. Fails with PayloadTooLargeException past the part's cap, and with
   * the request's own failure when the upload is refused or the client goes away part-way.
   */
  stream: Readable;
}

export interface MultipartSpec<T> {
  /** File parts accepted, each at most once and with its byte cap. Any other file part is a 400. */
  files: Record<string, { maxBytes: number }>;
  /** Text fields accepted, each at most once and with its byte cap. Any other field is a 400. */
  fields: Record<string, { maxBytes: number }>;
  /**
   * Consumes one file part (e.g. streams it to S3). Called in the order the parts arrive, with the text
   * fields that came before this part (so a field can say how to store the file that follows it).
   */
  handleFile(file: MultipartFile, fieldsSoFar: Readonly<Record<string, string>>): Promise<T>;
}

export interface MultipartResult<T> {
  fields: Record<string, string>;
  files: Record<string, T>;
}

/** Room for what surrounds the parts: the preamble, boundaries, and each part's headers (busboy caps those at 16 KiB). */
const FRAMING_BYTES = 64 * 1024;
const FRAMING_BYTES_PER_PART = 17 * 1024;

/**
 * Streams a multipart/form-data request: file parts go to `handleFile` as they arrive and are never
 * buffered whole.
 *
 * It ends cleanly however the client behaves. The first thing wrong (a part that is unknown, sent twice
 * or over its cap, a body larger than every part's cap together, a malformed body, a handler failure, or
 * a client that goes away part-way) ends the whole upload at once: the parser is destroyed, every part
 * still being read fails with that error, so its handler stops and cleans up, and the rest of the body is
 * no longer parsed (the HTTP server drains it for a short while, then closes the connection: see
 * http-server-limits.ts). The promise rejects with that first error only once every handler has settled,
 * so callers can delete whatever a handler stored.
 */
export function parseMultipart<T>(request: Request, spec: MultipartSpec<T>): Promise<MultipartResult<T>> {
  return new Promise((resolve, reject) => new MultipartReader(request, spec, resolve, reject).start());
}

class MultipartReader<T> {
  private readonly fields: Record<string, string> = {};
  private readonly files: Record<string, T> = {};
  /** Every part name seen so far, file or field: each may come once. */
  private readonly seen = new Set<string>();
  private readonly handlers: Promise<void>[] = [];
  /** The file parts still being read, so a failure can end them. */
  private readonly openParts = new Set<Readable>();
  private readonly maxBodyBytes: number;
  private parser?: busboy.Busboy;
  private bodyBytes = 0;
  private failure?: Error;
  private settled = false;

  constructor(
    private readonly request: Request,
    private readonly spec: MultipartSpec<T>,
    private readonly resolve: (result: MultipartResult<T>) => void,
    private readonly reject: (error: Error) => void,
  ) {
    const caps = [...Object.values(spec.files), ...Object.values(spec.fields)].map((part) => part.maxBytes);
    this.maxBodyBytes = caps.reduce((sum, cap) => sum + cap, FRAMING_BYTES + caps.length * FRAMING_BYTES_PER_PART);
  }

  start(): void {
    // A body declared larger than any acceptable one is refused before a byte of it is read.
    const declared = Number(this.request.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBodyBytes) return this.refuseAtOnce(this.bodyTooLarge());
    const partNames = new Set([...Object.keys(this.spec.files), ...Object.keys(this.spec.fields)]);
    try {
      const largestFile = Math.max(0, ...Object.values(this.spec.files).map((file) => file.maxBytes));
      const largestField = Math.max(0, ...Object.values(this.spec.fields).map((field) => field.maxBytes));
      // Duplicates and unknown parts are refused here, by name; busboy's limits only back that up.
      this.parser = busboy({
        headers: this.request.headers,
        limits: { fileSize: largestFile + 1, fieldSize: largestField + 1, parts: partNames.size + 1 },
      });
    } catch {
      return this.refuseAtOnce(new BadRequestException('Expected a multipart/form-data body'));
    }
    const parser = this.parser;
    parser.on('file', (name, stream, info) => this.onFile(name, stream, info));
    parser.on('field', (name, value, info) => this.onField(name, value, info));
    parser.on('partsLimit', () => this.fail(new BadRequestException('Too many parts')));
    parser.on('error', (error: Error) => this.fail(new BadRequestException(`Malformed multipart body: ${error.message}`)));
    parser.on('close', () => this.settleWhenHandled());

    this.request.on('data', (chunk: Buffer) => {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes > this.maxBodyBytes) this.fail(this.bodyTooLarge());
    });
    // 'close' also follows a body read to its end; only an incomplete one means the client went away.
    this.request.on('close', () => {
      if (!this.request.complete) this.fail(new BadRequestException('The upload was interrupted'));
    });
    this.request.on('error', () => this.fail(new BadRequestException('The upload was interrupted')));
    this.request.pipe(parser);
  }

  private onFile(name: string, source: Readable, info: busboy.FileInfo): void {
    // A part refused below is ended with the parser; its error then has no reader but this.
    source.on('error', () => undefined);
    const allowed = this.spec.files[name];
    if (!allowed) return this.fail(new BadRequestException(`Unexpected file part "${name}"`));
    if (!this.claim(name)) return;
    const part = capStream(source, allowed.maxBytes, name);
    this.openParts.add(part);
    const handled = this.spec
      .handleFile({ fieldName: name, filename: info.filename ?? name, mimeType: info.mimeType, stream: part }, { ...this.fields })
      .then((result) => {
        this.files[name] = result;
        // A handler that is done before the part is (it had all it needed): the parser waits for the part's end.
        part.resume();
      })
      .catch((error: Error) => this.fail(error))
      .finally(() => this.openParts.delete(part));
    this.handlers.push(handled);
  }

  private onField(name: string, value: string, info: busboy.FieldInfo): void {
    const allowed = this.spec.fields[name];
    if (!allowed) return this.fail(new BadRequestException(`Unexpected field "${name}"`));
    if (!this.claim(name)) return;
    if (info.valueTruncated || Buffer.byteLength(value) > allowed.maxBytes) {
      return this.fail(new PayloadTooLargeException(`Field "${name}" is larger than ${allowed.maxBytes} bytes`));
    }
    this.fields[name] = value;
  }

  /** Records that a part of this name has come; a second one (file or field) ends the upload. */
  private claim(name: string): boolean {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      return true;
    }
    this.fail(new BadRequestException(`Only one "${name}" part is allowed`));
    return false;
  }

  /** The first failure ends everything; later ones (often consequences of the first) are ignored. */
  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    if (this.parser) {
      this.request.unpipe(this.parser);
      this.parser.destroy();
    }
    for (const part of this.openParts) part.destroy(error);
    // Nothing more of this body is wanted: let it flow away rather than sit in buffers.
    if (!this.request.complete && !this.request.destroyed) this.request.resume();
    this.settleWhenHandled();
  }

  private refuseAtOnce(error: Error): void {
    this.failure = error;
    this.settleWhenHandled();
  }

  private settleWhenHandled(): void {
    void Promise.allSettled(this.handlers).then(() => {
      if (this.settled) return;
      this.settled = true;
      if (this.failure) this.reject(this.failure);
      else this.resolve({ fields: this.fields, files: this.files });
    });
  }

  private bodyTooLarge(): PayloadTooLargeException {
    const caps = Object.entries(this.spec.files).map(([name, file]) => `"${name}" at most ${file.maxBytes} bytes`);
    return new PayloadTooLargeException(`The upload is larger than the limit of ${this.maxBodyBytes} bytes (${caps.join(', ')})`);
  }
}

/** Passes the bytes through, failing the stream (not truncating it) once it goes past the cap. */
function capStream(source: Readable & { truncated?: boolean }, maxBytes: number, fieldName: string): Readable {
  const output = new PassThrough();
  const tooLarge = () => new PayloadTooLargeException(`"${fieldName}" is larger than the limit of ${maxBytes} bytes`);
  let seen = 0;
  source.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) {
      source.unpipe(output);
      source.resume();
      output.destroy(tooLarge());
    }
  });
  source.on('limit', () => output.destroy(tooLarge()));
  // A part the parser ends early (the upload failed, or the body was cut short) fails its reader too.
  source.on('error', (error: Error) => output.destroy(error));
  // Its error reaches whoever reads it; this keeps a part nobody reads any more from crashing the process.
  output.on('error', () => undefined);
  source.pipe(output);
  return output;
}
