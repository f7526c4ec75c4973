import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { DbqError } from '../../shared/protocol/index.js';
import type { TargetConfig } from '../config.js';

/** Where the trusted CAs come from, for messages. */
export function caSource(target: TargetConfig): string {
  const file = target.tls.caFile ?? process.env.NODE_EXTRA_CA_CERTS;
  return file ? `the CA bundle ${file}` : "Node's default CA store";
}

/**
 * TLS options that always verify the server certificate: the chain must lead to a CA from the target's
 * bundle file or NODE_EXTRA_CA_CERTS (where the Lambda runtime keeps the RDS CAs), else Node's own store,
 * and the certificate must name the host the target connects to. There is no option to turn either check
 * off.
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
  // SNI takes host names only (RFC 6066); for an address, `host` is what the certificate is checked against.
  const name = isIP(target.host) === 0 ? { servername: target.host } : {};
  return { ...(ca === undefined ? {} : { ca }), rejectUnauthorized: true, host: target.host, ...name };
}

/** Node's TLS verification errors by code, and by message for drivers that replace the code (mysql2). */
const UNTRUSTED = {
  codes: new Set([
    'SELF_SIGNED_CERT_IN_CHAIN',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_SIGNATURE_FAILURE',
  ]),
  message:
    /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|certificate signature failure/i,
};
const WRONG_NAME = {
  code: 'ERR_TLS_CERT_ALTNAME_INVALID',
  message: /does not match certificate's altnames/i,
};
const NOT_VALID_NOW = {
  codes: new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']),
  message: /certificate has expired|certificate is not yet valid/i,
};
const NO_TLS = { code: 'HANDSHAKE_NO_SSL_SUPPORT', message: /does not support (SSL|secure connection)/i };

/**
 * Explains a failed TLS connection in terms of the target's configuration, or returns null when the
 * error is not about TLS. Used by every engine so a wrong CA or host name reads the same everywhere.
 */
export function tlsFailure(error: unknown, target: TargetConfig, where: string): DbqError | null {
  if (!(error instanceof Error) || target.tls.mode === 'disable') return null;
  const rawCode = (error as { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : '';
  const detail = error.message;
  const refused = (why: string): DbqError =>
    new DbqError('CONNECTION', `TLS to ${where} refused: ${why} (${detail})`);
  if (UNTRUSTED.codes.has(code) || UNTRUSTED.message.test(detail)) {
    return refused(`the server certificate is not signed by a CA in ${caSource(target)}`);
  }
  if (code === WRONG_NAME.code || WRONG_NAME.message.test(detail)) {
    return refused(`the server certificate does not name ${target.host}`);
  }
  if (NOT_VALID_NOW.codes.has(code) || NOT_VALID_NOW.message.test(detail)) {
    return refused('the server certificate is not valid now');
  }
  if (code === NO_TLS.code || NO_TLS.message.test(detail)) {
    return new DbqError(
      'CONNECTION',
      `TLS to ${where} refused: the server does not offer TLS, and this target requires it (tls.mode verify-full)`,
    );
  }
  return null;
}
