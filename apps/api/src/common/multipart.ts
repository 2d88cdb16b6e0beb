import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, type Readable } from 'node:stream';

export interface MultipartFile {
  fieldName: string;
  filename: string;
  mimeType: string;
  /** The part's bytes as they arrive; fails with PayloadTooLargeException past the field's cap. */
  stream: Readable;
}

export interface MultipartSpec<T> {
  /** File parts accepted, each with its byte cap. Any other file part is a 400. */
  files: Record<string, { maxBytes: number }>;
  /** Text fields accepted, each with its byte cap. Any other field is a 400. */
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

/**
 * Streams a multipart/form-data request: file parts go to `handleFile` as they arrive and are never
 * buffered whole. If anything is wrong (unknown part, a cap exceeded, a handler failure), the error is
 * thrown after every started file handler has settled, so callers can clean up what was stored.
 */
export function parseMultipart<T>(request: Request, spec: MultipartSpec<T>): Promise<MultipartResult<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      const largestFile = Math.max(0, ...Object.values(spec.files).map((file) => file.maxBytes));
      const largestField = Math.max(0, ...Object.values(spec.fields).map((field) => field.maxBytes));
      parser = busboy({
        headers: request.headers,
        limits: { fileSize: largestFile + 1, fieldSize: largestField + 1, files: Object.keys(spec.files).length, fields: Object.keys(spec.fields).length, parts: 20 },
      });
    } catch {
      reject(new BadRequestException('Expected a multipart/form-data body'));
      return;
    }

    const fields: Record<string, string> = {};
    const files: Record<string, T> = {};
    const pending: Promise<unknown>[] = [];
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      failure ??= error;
    };

    parser.on('file', (fieldName, stream, info) => {
      const allowed = spec.files[fieldName];
      if (!allowed || fieldName in files) {
        fail(new BadRequestException(allowed ? `Only one "${fieldName}" part is allowed` : `Unexpected file part "${fieldName}"`));
        stream.resume();
        return;
      }
      const capped = capStream(stream, allowed.maxBytes, fieldName);
      const handled = spec
        .handleFile({ fieldName, filename: info.filename ?? fieldName, mimeType: info.mimeType, stream: capped }, { ...fields })
        .then((result) => {
          files[fieldName] = result;
        })
        .catch((error: Error) => {
          fail(error);
          // The handler may have stopped reading early: discard the rest of the part. Destroying the capped
          // stream also keeps its later cap error (no one listens any more) from crashing the process.
          capped.destroy();
          stream.resume();
        });
      pending.push(handled);
    });
    parser.on('field', (name, value, info) => {
      const allowed = spec.fields[name];
      if (!allowed) return fail(new BadRequestException(`Unexpected field "${name}"`));
      if (info.valueTruncated || Buffer.byteLength(value) > allowed.maxBytes) return fail(new PayloadTooLargeException(`Field "${name}" is larger than ${allowed.maxBytes} bytes`));
      fields[name] = value;
    });
    parser.on('partsLimit', () => fail(new BadRequestException('Too many parts')));
    parser.on('filesLimit', () => fail(new BadRequestException('Too many files')));
    parser.on('fieldsLimit', () => fail(new BadRequestException('Too many fields')));
    // Not awaited: the parser's callbacks return nothing, and allSettled never rejects.
    parser.on('error', (error: Error) => {
      fail(new BadRequestException(`Malformed multipart body: ${error.message}`));
      void Promise.allSettled(pending).then(() => reject(failure!)); // fail() just set it
    });
    parser.on('close', () => {
      void Promise.allSettled(pending).then(() => (failure ? reject(failure) : resolve({ fields, files })));
    });
    request.on('aborted', () => fail(new BadRequestException('The upload was interrupted')));
    request.pipe(parser);
  });
}

/** Passes the bytes through, failing the stream (not truncating it) once it goes past the cap. */
function capStream(source: Readable & { truncated?: boolean }, maxBytes: number, fieldName: string): Readable {
  const output = new PassThrough();
  let seen = 0;
  source.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) {
      source.unpipe(output);
      source.resume();
      output.destroy(new PayloadTooLargeException(`"${fieldName}" is larger than the limit of ${maxBytes} bytes`));
    }
  });
  source.on('limit', () => output.destroy(new PayloadTooLargeException(`"${fieldName}" is larger than the limit of ${maxBytes} bytes`)));
  source.pipe(output);
  return output;
}
