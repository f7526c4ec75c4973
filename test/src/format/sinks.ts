import { Writable } from 'node:stream';

/** A real Writable that collects everything written to it, optionally slowly. */
export class CollectingSink extends Writable {
  private readonly chunks: Buffer[] = [];
  /** 'drain' events seen: each one follows a `write()` that returned false. */
  drains = 0;

  constructor(options: { highWaterMark?: number; delayMs?: number } = {}) {
    const delay = options.delayMs;
    super({
      highWaterMark: options.highWaterMark ?? 16_384,
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(chunk);
        if (delay === undefined) callback();
        else setTimeout(callback, delay);
      },
    });
    this.on('drain', () => {
      this.drains++;
    });
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
