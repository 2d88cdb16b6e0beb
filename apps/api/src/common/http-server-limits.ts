import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpServerLimits } from '@lockbox/config';

/**
 * How long a client may go on sending a body the API has stopped reading (an upload refused part-way)
 * after the answer has gone out, its bytes drained unread: time to read the answer (a client may only do
 * so once it has sent everything), then the connection is closed. nginx's `lingering_time` is the same.
 * A client that pauses meanwhile is closed sooner, after the keep-alive timeout.
 */
export const UNREAD_BODY_LINGER_MS = 30_000;

interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
}

/**
 * Puts the API's HTTP server on limits that blame only the client, and never cap a request's total time.
 *
 * Node's default `requestTimeout` (5 minutes) cuts off a slow but steady 2 GiB upload, so it is off.
 * Instead a client is cut off when it stops making progress: headers that do not finish in time
 * (`headersTimeout`); a body that moves slower than the minimum rate over a window, or not at all; a
 * connection on which the client neither sends nor reads for the idle timeout; a keep-alive connection
 * left idle. Time the API itself spends (a slow store completing an upload, a paused body it is not
 * reading yet) never counts against the client. Closing the connection is what ends an upload: its
 * reader sees the request fail and cleans up (parseMultipart).
 */
export function applyHttpServerLimits(server: Server, limits: HttpServerLimits, unreadBodyLingerMs = UNREAD_BODY_LINGER_MS): void {
  server.requestTimeout = 0;
  server.headersTimeout = limits.headersTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  // How often Node looks for connections past headersTimeout (30 s by default, far coarser than the
  // deadline): a createServer option that Node keeps on the server and reads when it starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    5_000,
    Math.max(100, Math.floor(limits.headersTimeoutMs / 4)),
  );

  const exchanges = new WeakMap<Socket, Exchange>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    exchanges.set(socket, { request, response });
    response.once('close', () => {
      if (exchanges.get(socket)?.response === response) exchanges.delete(socket);
    });
    watchBodyProgress(request, response, limits);
    closeAfterUnreadBody(request, response, unreadBodyLingerMs);
  });
  // With a listener here Node no longer closes idle sockets itself: this decides whose wait it is.
  server.on('timeout', (socket: Socket) => {
    const exchange = exchanges.get(socket);
    const waitingOnClient =
      !exchange || // between requests, or still in the headers
      (!exchange.request.complete && !apiHoldsBody(exchange.request)) || // the body stopped coming (not: the API is not reading it)
      socket.writableLength > 0; // the answer is not being read
    if (waitingOnClient) socket.destroy();
  });
}

/**
 * A request body must move at least `bodyMinBytesPerSecond` in every idle-timeout window while it is
 * being sent: a never-ending slow drip is cut off like a stopped one. A window in which the API holds
 * unread body bytes is the API's own doing (it is busy, or pushing back), so it does not count.
 */
function watchBodyProgress(request: IncomingMessage, response: ServerResponse, limits: HttpServerLimits): void {
  if (limits.bodyMinBytesPerSecond === 0) return;
  const windowMs = limits.idleTimeoutMs;
  const minBytes = Math.ceil((limits.bodyMinBytesPerSecond * windowMs) / 1000);
  const socket = request.socket;
  let bytesAtWindowStart = socket.bytesRead;
  let heldAtWindowStart = apiHoldsBody(request);
  const check = (): void => {
    if (request.complete || socket.destroyed || response.writableFinished) return;
    const progress = socket.bytesRead - bytesAtWindowStart;
    bytesAtWindowStart = socket.bytesRead;
    // The API held the body at either end of the window: part of it was the API's, so it proves nothing.
    // (A handler that starts reading just before this check has drained the buffer, but the socket has
    // not been read again yet.)
    const apiHeld = heldAtWindowStart || apiHoldsBody(request);
    heldAtWindowStart = apiHoldsBody(request);
    if (!apiHeld && progress < minBytes) {
      socket.destroy();
      return;
    }
    timer.refresh();
  };
  const timer = setTimeout(check, windowMs).unref();
  const stop = (): void => clearTimeout(timer);
  request.once('end', stop);
  request.once('close', stop);
  response.once('finish', stop);
}

/** Whether the API, not the client, is why the body is not moving: it holds bytes unread, or is not reading yet. */
function apiHoldsBody(request: IncomingMessage): boolean {
  return request.readableLength > 0 || request.readableFlowing !== true;
}

/**
 * An answer that goes out before the body is read (a refusal) leaves the client sending. Node drains
 * what still comes so the client can read the answer, but a client that keeps sending could hold the
 * connection for ever: it is closed once the linger is over.
 */
function closeAfterUnreadBody(request: IncomingMessage, response: ServerResponse, lingerMs: number): void {
  response.once('finish', () => {
    if (request.complete) return;
    const timer = setTimeout(() => request.socket.destroy(), lingerMs).unref();
    request.once('end', () => clearTimeout(timer));
    request.once('close', () => clearTimeout(timer));
  });
}
