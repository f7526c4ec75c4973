import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

const SSL_REQUEST_CODE = 80877103;
const CANCEL_REQUEST_CODE = 80877102;
/** A cancel that cannot be delivered this fast will not help a request near its deadline anyway. */
const CANCEL_TIMEOUT_MS = 3_000;

export interface CancelTarget {
  host: string;
  port: number;
  processId: number;
  secretKey: number;
  /** Verified TLS options when the target uses TLS; the secret key then never travels in clear. */
  tls: ConnectionOptions | undefined;
}

function startupPacket(code: number, extra: number[]): Buffer {
  const packet = Buffer.alloc(8 + extra.length * 4);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(code, 4);
  extra.forEach((value, i) => packet.writeInt32BE(value, 8 + i * 4));
  return packet;
}

/** Resolves on `event`, rejects when the socket fails or closes first. */
function waitFor(socket: Socket, event: 'connect' | 'secureConnect' | 'data'): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const settle = (error: Error | null, data?: Buffer): void => {
      socket.off('error', onError).off('close', onClose).off(event, onEvent);
      if (error) reject(error);
      else resolve(data);
    };
    const onError = (error: Error): void => settle(error);
    const onClose = (): void => settle(new Error('the server closed the connection'));
    const onEvent = (data?: Buffer): void => settle(null, data);
    socket.on('error', onError).on('close', onClose).on(event, onEvent);
  });
}

function quiet(socket: Socket): Socket {
  // Failures surface through waitFor or simply end the attempt; none may go unhandled.
  return socket.on('error', () => undefined);
}

/**
 * Sends PostgreSQL's protocol-level CancelRequest for one backend, on a connection of its own. It needs no
 * login (the backend's process id and secret key are the proof), so it works for a role that may not run
 * `pg_cancel_backend`, and it costs no connection slot. Over TLS when the target uses TLS, as libpq does.
 */
export async function sendPgCancelRequest(target: CancelTarget): Promise<void> {
  let socket: Socket = quiet(tcpConnect({ host: target.host, port: target.port }));
  const timer = setTimeout(() => socket.destroy(), CANCEL_TIMEOUT_MS);
  try {
    await waitFor(socket, 'connect');
    if (target.tls) {
      socket.write(startupPacket(SSL_REQUEST_CODE, []));
      const answer = await waitFor(socket, 'data');
      if (answer?.toString('latin1', 0, 1) !== 'S')
        throw new Error('the server refused TLS for the cancel request');
      socket = quiet(tlsConnect({ ...target.tls, socket }));
      await waitFor(socket, 'secureConnect');
    }
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end(startupPacket(CANCEL_REQUEST_CODE, [target.processId, target.secretKey]));
    // The server reads the request and closes the connection without an answer.
    await closed;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
