import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { DbqError } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';

/**
 * TLS options that always verify the server certificate: the CA comes from the target's bundle file or
 * NODE_EXTRA_CA_CERTS (where the Lambda runtime keeps the RDS CAs), else Node's own store.
 */
export function tlsOptions(target: TargetConfig): ConnectionOptions | undefined {
  if (target.tls.mode === 'disable') return undefined;
  const caFile = target.tls.caFile ?? process.env.NODE_EXTRA_CA_CERTS;
  let ca: string | undefined;
  if (caFile) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (error) {
      throw new DbqError('CONNECTION', `cannot read the CA bundle ${caFile}: ${(error as Error).message}`);
    }
  }
  return { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: true, servername: target.host };
}
