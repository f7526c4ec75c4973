import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials the stand-in knows, and who STS says they belong to. */
export interface TestIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  arn: string;
  userId: string;
  account: string;
}

/** What an override sees: the request and, when its signature checked out, whose it is. */
export interface StandInRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  identity: TestIdentity | null;
}

export interface StandInAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface StsStandIn {
  readonly url: string;
  /** Requests received so far (every attack refused before sending leaves this unchanged). */
  readonly hits: number;
  /** Replaces the answer to a correctly signed request (reflected bodies, redirects, errors). */
  override: ((request: StandInRequest) => StandInAnswer | undefined) | undefined;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** The XML STS answers GetCallerIdentity with. */
export function callerIdentityXml(identity: Pick<TestIdentity, 'arn' | 'userId' | 'account'>): string {
  return (
    `<GetCallerIdentityResponse xmlns="${NAMESPACE}">\n` +
    `  <GetCallerIdentityResult>\n` +
    `    <Arn>${identity.arn}</Arn>\n` +
    `    <UserId>${identity.userId}</UserId>\n` +
    `    <Account>${identity.account}</Account>\n` +
    `  </GetCallerIdentityResult>\n` +
    `  <ResponseMetadata>\n    <RequestId>${randomUUID()}</RequestId>\n  </ResponseMetadata>\n` +
    `</GetCallerIdentityResponse>\n`
  );
}

/** The XML of an STS error. */
export function errorXml(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}">\n` +
    `  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${message}</Message>\n  </Error>\n` +
    `  <RequestId>${randomUUID()}</RequestId>\n` +
    `</ErrorResponse>\n`
  );
}

/** Identities with fresh random secrets: an assumed-role reader and writer and a plain IAM user. */
export function testIdentities(account = '111122223333'): {
  reader: TestIdentity;
  writer: TestIdentity;
  intruder: TestIdentity;
} {
  const key = (): string => `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const secret = (): string => randomBytes(30).toString('base64');
  const token = (): string => randomBytes(300).toString('base64');
  return {
    reader: {
      accessKeyId: key(),
      secretAccessKey: secret(),
      sessionToken: token(),
      arn: `arn:aws:sts::${account}:assumed-role/AWSReservedSSO_DBReader_0123456789abcdef/alice@example.com`,
      userId: 'AROAEXAMPLEREADER:alice@example.com',
      account,
    },
    writer: {
      accessKeyId: key(),
      secretAccessKey: secret(),
      sessionToken: token(),
      arn: `arn:aws:sts::${account}:assumed-role/AWSReservedSSO_DBWriter_fedcba9876543210/bob@example.com`,
      userId: 'AROAEXAMPLEWRITER:bob@example.com',
      account,
    },
    intruder: {
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: secret(),
      arn: `arn:aws:iam::${account}:user/mallory`,
      userId: 'AIDAEXAMPLEMALLORY',
      account,
    },
  };
}

const SIGNING_KEYS = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
  'X-Amz-Security-Token',
]);

function parseAmzDate(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

type Verdict = { identity: TestIdentity } | { status: number; code: string; message: string };

/**
 * Checks a presigned GetCallerIdentity the way STS does: the access key and token must be known, the
 * request unexpired, and the signature — recomputed with @smithy/signature-v4 from the request as
 * received, over exactly the headers it claims to sign — must match.
 */
async function verify(
  request: IncomingMessage,
  identities: ReadonlyMap<string, TestIdentity>,
  region: string,
): Promise<Verdict> {
  const url = new URL(request.url ?? '/', 'http://stand-in');
  const params = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (params.has(key)) return { status: 400, code: 'InvalidParameterValue', message: `${key} repeated` };
    params.set(key, value);
  }
  if (request.method !== 'GET' || url.pathname !== '/') {
    return { status: 400, code: 'InvalidAction', message: 'only GET / is served here' };
  }
  if (params.get('Action') !== 'GetCallerIdentity' || params.get('Version') !== '2011-06-15') {
    return { status: 400, code: 'InvalidAction', message: 'Could not find operation' };
  }
  const credential = /^([A-Z0-9]+)\/(\d{8})\/([a-z0-9-]+)\/sts\/aws4_request$/.exec(
    params.get('X-Amz-Credential') ?? '',
  );
  const identity = credential ? identities.get(credential[1] ?? '') : undefined;
  if (!credential || !identity) {
    return {
      status: 403,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  if ((identity.sessionToken ?? null) !== (params.get('X-Amz-Security-Token') ?? null)) {
    return {
      status: 403,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  const signedAt = parseAmzDate(params.get('X-Amz-Date') ?? '');
  const expires = Number(params.get('X-Amz-Expires'));
  if (!signedAt || !Number.isInteger(expires) || Date.now() > signedAt.getTime() + expires * 1000) {
    return { status: 403, code: 'ExpiredToken', message: 'The request has expired.' };
  }
  if (credential[3] !== region) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to ${region}`,
    };
  }
  const headers: Record<string, string> = {};
  for (const name of (params.get('X-Amz-SignedHeaders') ?? '').split(';')) {
    const value = request.headers[name];
    if (typeof value !== 'string') {
      return { status: 403, code: 'SignatureDoesNotMatch', message: `signed header ${name} is missing` };
    }
    headers[name] = value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of params) if (!SIGNING_KEYS.has(key)) query[key] = value;
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
    },
    region,
    service: 'sts',
    sha256: Sha256,
  });
  const recomputed = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'http:', hostname: 'stand-in', path: '/', query, headers }),
    { signingDate: signedAt, expiresIn: expires },
  );
  if (
    recomputed.query?.['X-Amz-Signature'] !== params.get('X-Amz-Signature') ||
    recomputed.query?.['X-Amz-SignedHeaders'] !== params.get('X-Amz-SignedHeaders')
  ) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { identity };
}

function send(response: ServerResponse, answer: StandInAnswer): void {
  response.writeHead(answer.status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(answer.body),
    'x-amzn-RequestId': randomUUID(),
    ...answer.headers,
  });
  response.end(answer.body);
}

/**
 * A local STS that speaks the Query API for GetCallerIdentity: it verifies SigV4 presigned requests with
 * the test credentials it was given and answers with the real XML (an `ErrorResponse` with 403 when the
 * signature, key or token is wrong).
 */
export async function startStsStandIn(
  identities: readonly TestIdentity[],
  options: { region?: string } = {},
): Promise<StsStandIn> {
  const region = options.region ?? 'eu-west-1';
  const byKey = new Map(identities.map((identity) => [identity.accessKeyId, identity]));
  let hits = 0;
  const standIn: { override: StsStandIn['override'] } = { override: undefined };
  const server = createServer((request, response) => {
    hits += 1;
    request.resume();
    void verify(request, byKey, region).then(
      (verdict) => {
        if (!('identity' in verdict)) {
          send(response, { status: verdict.status, body: errorXml(verdict.code, verdict.message) });
          return;
        }
        const override = standIn.override?.({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          identity: verdict.identity,
        });
        send(response, override ?? { status: 200, body: callerIdentityXml(verdict.identity) });
      },
      (error: unknown) => send(response, { status: 500, body: errorXml('InternalFailure', String(error)) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return hits;
    },
    get override() {
      return standIn.override;
    },
    set override(value) {
      standIn.override = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
