import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import type { KmsReply, KmsService } from './service'
import type { LocalKmsCall } from './call-log'

/** Requests above 1 MiB are refused without being buffered (KMS requests are at most a few KiB). */
export const MAX_BODY_BYTES = 1024 * 1024
/** How much of an oversized body is read and thrown away before the connection is cut. */
const MAX_DISCARDED_BYTES = 64 * MAX_BODY_BYTES

/** Serves a KmsService over HTTP/1.1; every request gets a KMS-shaped answer and a slow client cannot hold it forever. */
export function createKmsHttpServer(service: KmsService, onCall: (call: LocalKmsCall) => void): Server {
  const server = createServer((request, response) => {
    try {
      receive(request, response, service, onCall)
    } catch (error) {
      sendReply(response, internalError(error))
    }
  })
  server.requestTimeout = 30_000
  server.headersTimeout = 10_000
  server.keepAliveTimeout = 5_000
  // Malformed HTTP (oversized headers, bad framing) never reaches the handler: answer it in the KMS error shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy()
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
    const body = JSON.stringify({
      __type: tooLarge ? 'RequestEntityTooLargeException' : 'SerializationException',
      message: tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP/1.1.',
    })
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `Content-Type: application/x-amz-json-1.1\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  })
  return server
}

function receive(request: IncomingMessage, response: ServerResponse, service: KmsService, onCall: (call: LocalKmsCall) => void): void {
  const declared = Number(request.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) return refuseOversized(request, response, onCall)
  const chunks: Buffer[] = []
  let size = 0
  let refused = false
  request.on('data', (chunk: Buffer) => {
    if (refused) return
    size += chunk.length
    if (size > MAX_BODY_BYTES) {
      refused = true
      chunks.length = 0
      refuseOversized(request, response, onCall)
      return
    }
    chunks.push(chunk)
  })
  request.on('error', () => response.destroy())
  request.on('end', () => {
    if (refused) return
    let reply: KmsReply
    try {
      reply = service.handle({ method: request.method ?? '', url: request.url ?? '/', rawHeaders: request.rawHeaders, body: Buffer.concat(chunks) })
    } catch (error) {
      reply = internalError(error)
    }
    onCall(reply.call)
    sendReply(response, reply)
  })
}

/** Answers at once, then reads and discards the rest of the body (bounded) so the client can read the answer. */
function refuseOversized(request: IncomingMessage, response: ServerResponse, onCall: (call: LocalKmsCall) => void): void {
  const call: LocalKmsCall = { region: '', operation: '', outcome: 'RequestEntityTooLargeException' }
  onCall(call)
  response.setHeader('Connection', 'close')
  sendReply(response, {
    status: 413,
    body: { __type: 'RequestEntityTooLargeException', message: `The request body exceeds ${MAX_BODY_BYTES} bytes.` },
    call,
  })
  let discarded = 0
  request.on('error', () => request.socket.destroy())
  request.removeAllListeners('data')
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length
    if (discarded > MAX_DISCARDED_BYTES) request.socket.destroy()
  })
  request.resume()
}

function sendReply(response: ServerResponse, reply: KmsReply): void {
  if (response.headersSent) {
    response.destroy()
    return
  }
  const body = Buffer.from(JSON.stringify(reply.body), 'utf8')
  response.writeHead(reply.status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': body.length,
    'x-amzn-RequestId': randomUUID(),
  })
  response.end(body)
}

function internalError(error: unknown): KmsReply {
  return {
    status: 500,
    body: { __type: 'KMSInternalException', message: `The local KMS failed: ${(error as Error)?.message ?? String(error)}` },
    call: { region: '', operation: '', outcome: 'KMSInternalException' },
  }
}
