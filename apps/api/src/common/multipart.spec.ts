import { once } from 'node:events';
import { createServer, type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { Request } from 'express';
import { parseMultipart } from './multipart';

const BOUNDARY = 'lockbox-spec';

/** A multipart request whose image part is `imageBytes` of zeros, sent in 64 KiB chunks. */
function multipartRequest(imageBytes: number): Request {
  function* chunks(): Generator<Buffer> {
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{}\r\n`);
    yield Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="image.tar"\r\nContent-Type: application/x-tar\r\n\r\n`);
    const zeros = Buffer.alloc(64 * 1024);
    for (let left = imageBytes; left > 0; left -= zeros.length) yield left >= zeros.length ? zeros : zeros.subarray(0, left);
    yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  }
  const request = Readable.from(chunks(), { objectMode: false }) as unknown as Request;
  Object.assign(request, { headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } });
  return request;
}

/**
 * Posts a multipart body with an image part of `imageBytes` over a loopback HTTP connection to a server
 * that parses it with `handleFile`; resolves with what the server answered (a status and a message).
 */
async function postOverHttp(imageBytes: number, handleFile: () => Promise<unknown>): Promise<string> {
  const server = createServer((request, response) => {
    parseMultipart(request as Request, { files: { image: { maxBytes: imageBytes } }, fields: { manifest: { maxBytes: 1024 } }, handleFile }).then(
      () => response.end('200 accepted'),
      (error: Error) => response.end(`413 ${error.message}`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const head = Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="manifest"\r\n\r\n{}\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="image.tar"\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const request = httpRequest(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, 'content-length': head.length + imageBytes + tail.length },
    });
    const answered = once(request, 'response') as Promise<[IncomingMessage]>;
    request.write(head);
    const zeros = Buffer.alloc(1024 * 1024);
    for (let left = imageBytes; left > 0; left -= zeros.length) {
      if (!request.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) await once(request, 'drain');
    }
    request.end(tail);
    const [response] = await answered;
    let text = '';
    for await (const chunk of response) text += String(chunk);
    return text;
  } finally {
    server.close();
  }
}

describe('parseMultipart', () => {
  it('reads the rest of the body after a handler refuses a part at once, so the refusal is answered', async () => {
    // Megabytes more than the sockets and streams buffer: the client finishes sending only if the server reads on.
    await expect(postOverHttp(32 * 1024 * 1024, () => Promise.reject(new Error('refused before reading')))).resolves.toBe('413 refused before reading');
  }, 20_000);

  it('hands a part it accepts to the handler, byte for byte', async () => {
    const { fields, files } = await parseMultipart(multipartRequest(300_000), {
      files: { image: { maxBytes: 1024 * 1024 } },
      fields: { manifest: { maxBytes: 1024 } },
      handleFile: async (file) => {
        let bytes = 0;
        for await (const chunk of file.stream as AsyncIterable<Buffer>) bytes += chunk.length;
        return bytes;
      },
    });
    expect(fields).toEqual({ manifest: '{}' });
    expect(files).toEqual({ image: 300_000 });
  });
});
