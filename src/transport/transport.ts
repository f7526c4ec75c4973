import type { Request, Result } from '../../shared/protocol/index.js';

/** Sends one protocol request to the query function and returns its result, or throws a DbqError. */
export interface QueryTransport {
  send(request: Request): Promise<Result>;
  /** A description for messages, e.g. `dbq-query @ http://127.0.0.1:9001`. */
  readonly description: string;
  close(): void;
}
