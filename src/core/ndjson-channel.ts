// The engine protocol (engine-protocol.ts) over a stream socket: one JSON message a line. Used by
// the agent for each client of its Unix socket and by a host attached to an agent. Bounded both
// ways: a line longer than maxLineBytes ends the connection (nothing of ours sends one), and a peer
// that stops reading is cut off once maxBufferedBytes wait for it, rather than held in memory.
import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';

export interface NdjsonChannelOptions {
  /** Longest line accepted from the peer. */
  maxLineBytes: number;
  /** Bytes allowed to wait for a slow peer before the connection is cut. */
  maxBufferedBytes?: number;
}

export interface NdjsonChannel {
  /** Resolves once the line is handed to the kernel, or at once when it never will be (cut off, closed). */
  send(message: unknown): Promise<void>;
  onMessage(listener: (message: unknown) => void): void;
  /** The peer sent something that is not a JSON line (the connection is ended after this). */
  onProblem(listener: (reason: string) => void): void;
  onClose(listener: () => void): void;
  end(): void;
}

export function ndjsonChannel(socket: Socket, options: NdjsonChannelOptions): NdjsonChannel {
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const messageListeners: Array<(message: unknown) => void> = [];
  const problemListeners: Array<(reason: string) => void> = [];
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const problem = (reason: string) => {
    for (const l of problemListeners) l(reason);
    socket.destroy();
  };
  socket.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() === '') continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return problem('a message that is not JSON');
      }
      for (const l of messageListeners) l(message);
      if (socket.destroyed) return;
    }
    if (Buffer.byteLength(pending) > options.maxLineBytes) problem(`a message longer than ${options.maxLineBytes} bytes`);
  });
  // A reset or a write after the peer left: the connection is over, which 'close' says.
  socket.on('error', () => {});
  return {
    send(message) {
      if (socket.destroyed || !socket.writable) return Promise.resolve();
      if (socket.writableLength > maxBuffered) {
        socket.destroy();
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => socket.write(JSON.stringify(message) + '\n', () => resolve()));
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onProblem: (listener) => void problemListeners.push(listener),
    onClose: (listener) => void socket.once('close', () => listener()),
    end: () => socket.end(),
  };
}
