'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, for the reason below */
// The embedded S3 process: s3rver behind a check of every request's AWS Signature Version 4 against
// this stack's own key pair. s3rver 3.7 alone answers unsigned requests in full, accepts any V4
// signature whose key id it knows (it never computes one: "Signature version 4 calculation is
// unimplemented"), and knows only the published pair S3RVER/S3RVER; so anyone on the machine could read
// every object, that is, everyone's raw data.
//
// The gate authenticates the method, path, query and signed headers. It does not hash the body against
// x-amz-content-sha256 (s3rver does not either): altering a body in flight on the loopback interface
// takes root, and root owns the stack's files anyway.
//
// Plain JavaScript because it runs as a process of its own, from dist/ and from the sources under jest
// alike, and Node 20 runs no TypeScript; scripts/build.mjs copies it to dist/.
//
// Usage: node s3-server.cjs <directory> <address> <port> <credentials.json>

const { createHash, createHmac, timingSafeEqual } = require('node:crypto');
const { readFileSync } = require('node:fs');

/** As S3: a signature more than 15 minutes from the server's clock is refused. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/s3\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
/** What an S3 signature must cover at least, so that it cannot be replayed against another host or later. */
const REQUIRED_SIGNED_HEADERS = ['host', 'x-amz-content-sha256', 'x-amz-date'];

/**
 * Why `request` (an http.IncomingMessage, or anything with method, url and lower-cased headers) is
 * refused, as an S3 error code and message; undefined when it is signed with `credentials`.
 */
function signatureRefusal(request, credentials, now = Date.now()) {
  const match = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
  if (!match) return { code: 'AccessDenied', message: 'Requests must be signed with AWS Signature Version 4 in the Authorization header' };
  const [, accessKeyId, scopeDate, region, signedHeaderList, signature] = match;
  if (accessKeyId !== credentials.accessKeyId) {
    return { code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  const amzDate = request.headers['x-amz-date'];
  const signedAt = typeof amzDate === 'string' ? parseAmzDate(amzDate) : NaN;
  if (Number.isNaN(signedAt) || amzDate.slice(0, 8) !== scopeDate) {
    return { code: 'AccessDenied', message: 'x-amz-date is missing, malformed, or not the date of the credential scope' };
  }
  if (Math.abs(now - signedAt) > MAX_CLOCK_SKEW_MS) {
    return { code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.' };
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!REQUIRED_SIGNED_HEADERS.every((name) => signedHeaders.includes(name))) {
    return { code: 'AccessDenied', message: `The signature must cover ${REQUIRED_SIGNED_HEADERS.join(', ')}` };
  }
  const headerLines = [];
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (typeof value !== 'string') return { code: 'AccessDenied', message: `The signed header ${name} is missing` };
    headerLines.push(`${name}:${value.trim().replace(/\s+/g, ' ')}\n`);
  }
  const queryStart = request.url.indexOf('?');
  const path = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart < 0 ? '' : request.url.slice(queryStart + 1);
  // S3 signs the path as sent (already URI-encoded once, never normalised).
  const canonicalRequest = [request.method, path, canonicalQuery(query), headerLines.join(''), signedHeaderList, request.headers['x-amz-content-sha256']].join(
    '\n',
  );
  const scope = `${scopeDate}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const signingKey = ['s3', 'aws4_request'].reduce((key, part) => hmac(key, part), hmac(hmac(`AWS4${credentials.secretAccessKey}`, scopeDate), region));
  const expected = hmac(signingKey, stringToSign);
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
  }
  return undefined;
}

function hmac(key, data) {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20250102T030405Z` → epoch milliseconds, or NaN. */
function parseAmzDate(text) {
  const parts = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  return parts ? Date.UTC(+parts[1], +parts[2] - 1, +parts[3], +parts[4], +parts[5], +parts[6]) : NaN;
}

/**
 * SigV4's canonical query: every `name=value` pair decoded, re-encoded the RFC 3986 way, sorted. As the
 * AWS SDK signs it, a bare `name` (no `=`) carries no value and is left out, and `name=` is kept.
 */
function canonicalQuery(query) {
  const pairs = [];
  for (const part of query.split('&')) {
    const equals = part.indexOf('=');
    if (part === '' || equals < 0) continue;
    const name = decodeQueryComponent(part.slice(0, equals));
    if (name.toLowerCase() === 'x-amz-signature') continue;
    pairs.push(`${escapeUri(name)}=${escapeUri(decodeQueryComponent(part.slice(equals + 1)))}`);
  }
  return pairs.sort().join('&');
}

function decodeQueryComponent(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeUri(text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Koa middleware, first in s3rver's chain: a refused request never reaches s3rver's routes. */
function signatureGate(credentials) {
  return async function verifySignature(ctx, next) {
    const refusal = signatureRefusal(ctx.req, credentials);
    if (!refusal) return next();
    ctx.status = 403;
    ctx.type = 'application/xml';
    ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${refusal.code}</Code><Message>${refusal.message}</Message></Error>`;
  };
}

async function main() {
  const [directory, address, port, credentialsPath] = process.argv.slice(2);
  const credentials = JSON.parse(readFileSync(credentialsPath, 'utf8'));
  const S3rver = require('s3rver');
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account');
  // s3rver's own checks (after the gate) look the key id up in its account registry: ours replaces S3RVER.
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const server = new S3rver({ directory, address, port: Number(port), silent: true, vhostBuckets: false });
  server.middleware.unshift(signatureGate(credentials));
  const listening = await server.run();
  console.log(`s3rver listening on ${listening.address}:${listening.port}, signatures checked`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}

module.exports = { signatureRefusal };
