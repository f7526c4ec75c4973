import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  BINDING_HEADER,
  DbqError,
  IDENTITY_PROOF_TYPE,
  parseRequest,
  type IdentityProof,
  type Request,
} from '../../../shared/protocol/index.js';
import { stsIdentityVerifier, requestBinding } from '../../../lambda/identity/sts.js';
import type { IdentityVerifier } from '../../../lambda/identity/verifier.js';
import { IdentityProver } from '../../../src/identity/prover.js';
import {
  callerIdentityXml,
  errorXml,
  startStsStandIn,
  testIdentities,
  type StsStandIn,
  type TestIdentity,
} from '../../helpers/stsStandIn.js';

const REGION = 'eu-west-1';
const ids = testIdentities();
const ADMIN_ARN = 'arn:aws:iam::111122223333:role/Admin';

let sts: StsStandIn;
let evil: StsStandIn;
let verifier: IdentityVerifier;

function credentialsOf(identity: TestIdentity) {
  return {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
  };
}

function proverFor(
  identity: TestIdentity,
  options: { stsEndpoint?: string; now?: () => Date; region?: string; secret?: string } = {},
): IdentityProver {
  return new IdentityProver({
    credentials: {
      ...credentialsOf(identity),
      ...(options.secret ? { secretAccessKey: options.secret } : {}),
    },
    region: options.region ?? REGION,
    stsEndpoint: options.stsEndpoint ?? sts.url,
    ...(options.now ? { now: options.now } : {}),
  });
}

function execute(sql = 'SELECT 1', extra: Partial<Request> = {}): Request {
  return { v: 1, op: 'execute', requestId: randomUUID(), sql, ...extra } as Request;
}

/** The request as the handler sees it: validated against the protocol schema. */
async function proven(request: Request, prover = proverFor(ids.reader)): Promise<Request> {
  return parseRequest({ ...request, identity: await prover.prove(request) });
}

function withProof(request: Request, identity: IdentityProof): Request {
  return parseRequest({ ...request, identity });
}

async function refusal(promise: Promise<unknown>): Promise<DbqError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DbqError) return error;
    throw error;
  }
  throw new Error('expected the verification to fail');
}

/** Expects an AUTH refusal decided without asking STS. */
async function refusedLocally(request: Request, reason: RegExp): Promise<void> {
  const before = sts.hits;
  const error = await refusal(verifier.verify(request));
  expect(error.code).toBe('AUTH');
  expect(error.message).toMatch(reason);
  expect(sts.hits).toBe(before);
}

function editQuery(proof: IdentityProof, edit: (query: string) => string): IdentityProof {
  return { ...proof, query: edit(proof.query) };
}

/** Presigns an arbitrary STS request with the reader's real credentials, as an attacker holding them could. */
async function presignRaw(
  request: Request,
  query: Record<string, string>,
  headers: Record<string, string>,
): Promise<IdentityProof> {
  const signer = new SignatureV4({
    credentials: credentialsOf(ids.reader),
    region: REGION,
    service: 'sts',
    sha256: Sha256,
  });
  const url = new URL(sts.url);
  const signed = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query,
      headers: { host: url.host, ...headers },
    }),
    { expiresIn: 300 },
  );
  const text = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return { type: IDENTITY_PROOF_TYPE, query: text, binding: requestBinding(request) };
}

beforeAll(async () => {
  sts = await startStsStandIn([ids.reader, ids.writer, ids.intruder], { region: REGION });
  // An attacker's STS: it vouches for an admin whatever it is asked.
  evil = await startStsStandIn([ids.reader], { region: REGION });
  evil.override = () => ({
    status: 200,
    body: callerIdentityXml({ arn: ADMIN_ARN, userId: 'AROAADMIN', account: '111122223333' }),
  });
  verifier = stsIdentityVerifier({
    mode: 'sts',
    region: REGION,
    stsEndpoint: sts.url,
    maxSkewSeconds: 300,
    timeoutMs: 2_000,
  });
});

afterAll(async () => {
  await sts?.close();
  await evil?.close();
});

afterEach(() => {
  sts.override = undefined;
});

describe('STS identity verifier', () => {
  it('takes the principal from STS for a genuine proof', async () => {
    const before = sts.hits;
    const identity = await verifier.verify(await proven(execute()));
    expect(identity).toEqual({ kind: 'aws', principal: ids.reader.arn });
    expect(sts.hits).toBe(before + 1);
  });

  it('verifies fetch, close and ping requests bound to their cursor or to nothing', async () => {
    const fetch = { v: 1, op: 'fetch', requestId: randomUUID(), cursor: 'c1' } as Request;
    const ping = { v: 1, op: 'ping', requestId: randomUUID(), target: 'orders' } as Request;
    expect((await verifier.verify(await proven(fetch, proverFor(ids.writer)))).principal).toBe(
      ids.writer.arn,
    );
    expect((await verifier.verify(await proven(ping, proverFor(ids.intruder)))).principal).toBe(
      ids.intruder.arn,
    );
  });

  it('refuses a request without a proof and says how to get one', async () => {
    await refusedLocally(execute(), /carries no identity proof/);
  });

  describe('duplicate query parameters (aws-iam-authenticator CVE-2022-2385)', () => {
    it('refuses a repeated Action', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => `${q}&Action=GetCallerIdentity`),
        ),
        /repeats the query parameter Action/,
      );
    });

    it('refuses a second X-Amz-Credential naming another access key', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      const other = encodeURIComponent(`${ids.writer.accessKeyId}/20240101/${REGION}/sts/aws4_request`);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => `X-Amz-Credential=${other}&${q}`),
        ),
        /repeats the query parameter X-Amz-Credential/,
      );
    });

    it('refuses a key repeated under another percent-encoding', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => `${q}&%41ction=GetCallerIdentity`),
        ),
        /repeats the query parameter Action/,
      );
    });

    it('refuses a repeated signature', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => `${q}&X-Amz-Signature=${'0'.repeat(64)}`),
        ),
        /repeats the query parameter X-Amz-Signature/,
      );
    });
  });

  describe('unexpected query keys', () => {
    for (const extra of [
      'Foo=bar',
      'action=GetCallerIdentity',
      'X-Amz-Content-Sha256=UNSIGNED-PAYLOAD',
      'RoleArn=x',
      'Host=evil.example',
    ]) {
      it(`refuses an added ${extra.split('=')[0]}`, async () => {
        const request = execute();
        const proof = await proverFor(ids.reader).prove(request);
        await refusedLocally(
          withProof(
            request,
            editQuery(proof, (q) => `${q}&${extra}`),
          ),
          /unexpected query parameter/,
        );
      });
    }

    it('refuses a part without a value separator', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => `${q}&&`),
        ),
        /malformed/,
      );
    });

    it('refuses a missing parameter', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => q.replace(/(^|&)Version=[^&]*/, '')),
        ),
        /lacks the query parameter Version/,
      );
    });

    it('refuses a validity longer than 15 minutes', async () => {
      const request = execute();
      const proof = await proverFor(ids.reader).prove(request);
      await refusedLocally(
        withProof(
          request,
          editQuery(proof, (q) => q.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=3600')),
        ),
        /X-Amz-Expires/,
      );
    });
  });

  it('refuses a correctly signed request for another STS action (Vault CVE-2020-16250)', async () => {
    const request = execute();
    for (const Action of ['AssumeRole', 'GetSessionToken', 'GetAccessKeyInfo']) {
      const proof = await presignRaw(
        request,
        { Action, Version: '2011-06-15' },
        { [BINDING_HEADER]: requestBinding(request) },
      );
      await refusedLocally(withProof(request, proof), /another STS action/);
    }
  });

  describe('answers that are not one GetCallerIdentityResult', () => {
    const reflected = [
      [
        'a response of another API reflecting an identity (Vault CVE-2020-16250)',
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><RoleSessionName><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>AROAADMIN</UserId><Account>111122223333</Account></GetCallerIdentityResult></RoleSessionName></AssumeRoleResult></AssumeRoleResponse>`,
      ],
      [
        'a reflected result nested inside an error',
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Message><GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse></Message></Error></ErrorResponse>`,
      ],
      [
        'two results',
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ids.reader.arn}</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>B</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      ],
      [
        'two Arn elements in one result',
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ids.reader.arn}</Arn><Arn>${ADMIN_ARN}</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      ],
      [
        'an unknown element beside the result',
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult><Echo>x</Echo></GetCallerIdentityResponse>`,
      ],
      [
        'another namespace',
        `<GetCallerIdentityResponse xmlns="https://evil.example/"><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      ],
      [
        'an account that differs from the ARN',
        `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>${ADMIN_ARN}</Arn><UserId>A</UserId><Account>999999999999</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      ],
      [
        'an entity declaration',
        `<!DOCTYPE x [<!ENTITY a "${ADMIN_ARN}">]><GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>&a;</Arn><UserId>A</UserId><Account>111122223333</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
      ],
      ['JSON instead of XML', JSON.stringify({ GetCallerIdentityResult: { Arn: ADMIN_ARN } })],
      ['an empty body', ''],
      [
        'a truncated document',
        callerIdentityXml({ arn: ADMIN_ARN, userId: 'A', account: '111122223333' }).slice(0, 120),
      ],
    ] as const;
    for (const [name, body] of reflected) {
      it(`refuses ${name}`, async () => {
        sts.override = () => ({ status: 200, body });
        const error = await refusal(verifier.verify(await proven(execute())));
        expect(error.code).toBe('AUTH');
        expect(error.message).not.toContain(ADMIN_ARN);
      });
    }

    it('refuses an answer over 64 KiB', async () => {
      sts.override = () => ({
        status: 200,
        body: `<GetCallerIdentityResponse>${'x'.repeat(70_000)}</GetCallerIdentityResponse>`,
      });
      const error = await refusal(verifier.verify(await proven(execute())));
      expect(error.message).toMatch(/more than 65536 bytes/);
    });
  });

  describe('proofs bound to another request', () => {
    const variants: [string, (r: Request) => Request][] = [
      ['another SQL', (r) => ({ ...r, sql: 'DELETE FROM orders' }) as Request],
      ['another target', (r) => ({ ...r, target: 'payroll' })],
      ['another request id', (r) => ({ ...r, requestId: randomUUID() })],
      ['another operation', (r) => ({ v: 1, op: 'fetch', requestId: r.requestId, cursor: 'SELECT 1' })],
    ];
    for (const [name, change] of variants) {
      it(`refuses a captured proof replayed with ${name}`, async () => {
        const original = execute('SELECT 1', { target: 'orders' });
        const proof = await proverFor(ids.reader).prove(original);
        await refusedLocally(withProof(change(original), proof), /bound to another request/);
      });
    }

    it('refuses a captured proof whose binding field was rewritten for the new request (STS rejects the signature)', async () => {
      const original = execute('SELECT 1');
      const proof = await proverFor(ids.reader).prove(original);
      const replayed = execute('DROP TABLE orders', { requestId: original.requestId });
      const before = sts.hits;
      const error = await refusal(
        verifier.verify(withProof(replayed, { ...proof, binding: requestBinding(replayed) })),
      );
      expect(error.code).toBe('AUTH');
      expect(error.message).toMatch(/SignatureDoesNotMatch/);
      expect(sts.hits).toBe(before + 1);
    });

    it('refuses a proof whose binding header is not signed', async () => {
      const request = execute();
      const proof = await presignRaw(request, { Action: 'GetCallerIdentity', Version: '2011-06-15' }, {});
      await refusedLocally(withProof(request, proof), /x-dbq-binding is not among the signed headers/);
    });

    it('refuses a proof that signs other headers besides the binding', async () => {
      const request = execute();
      const proof = await presignRaw(
        request,
        { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        { [BINDING_HEADER]: requestBinding(request), 'x-extra': '1' },
      );
      await refusedLocally(withProof(request, proof), /must sign exactly the headers host;x-dbq-binding/);
    });

    it('refuses the same proof a second time on this instance', async () => {
      const request = await proven(execute());
      await verifier.verify(request);
      await refusedLocally(request, /already used/);
    });
  });

  describe('signing time', () => {
    it('refuses a proof signed 20 minutes ago as expired', async () => {
      const request = await proven(
        execute(),
        proverFor(ids.reader, { now: () => new Date(Date.now() - 20 * 60_000) }),
      );
      await refusedLocally(request, /expired/);
    });

    it('refuses a proof older than the skew window though not yet expired', async () => {
      const prover = new IdentityProver({
        credentials: credentialsOf(ids.reader),
        region: REGION,
        stsEndpoint: sts.url,
        expiresInSeconds: 900,
        now: () => new Date(Date.now() - 8 * 60_000),
      });
      await refusedLocally(await proven(execute(), prover), /signed 4\d\d s ago .* at most 300 s/);
    });

    it('refuses a proof signed in the future and blames the clock', async () => {
      const request = await proven(
        execute(),
        proverFor(ids.reader, { now: () => new Date(Date.now() + 20 * 60_000) }),
      );
      await refusedLocally(request, /in the future .* clock/);
    });

    it('accepts a clock a minute off', async () => {
      const request = await proven(
        execute(),
        proverFor(ids.reader, { now: () => new Date(Date.now() + 60_000) }),
      );
      expect((await verifier.verify(request)).principal).toBe(ids.reader.arn);
    });
  });

  describe('where the proof goes', () => {
    it('rejects a proof that names an endpoint: the schema has no such field', () => {
      const request = execute();
      expect(() =>
        parseRequest({
          ...request,
          identity: {
            type: IDENTITY_PROOF_TYPE,
            query: 'Action=GetCallerIdentity',
            binding: 'a'.repeat(64),
            endpoint: evil.url,
          },
        }),
      ).toThrow(/identity: Unrecognized key/);
    });

    it("sends a proof signed for the attacker's STS to its own endpoint only, where the signature fails", async () => {
      const before = evil.hits;
      const request = await proven(execute(), proverFor(ids.reader, { stsEndpoint: evil.url }));
      const error = await refusal(verifier.verify(request));
      expect(error.code).toBe('AUTH');
      expect(error.message).toMatch(/SignatureDoesNotMatch.*another STS endpoint/);
      expect(evil.hits).toBe(before);
    });

    it('never follows a redirect', async () => {
      const before = evil.hits;
      sts.override = () => ({
        status: 307,
        body: '',
        headers: { Location: `${evil.url}/?Action=GetCallerIdentity` },
      });
      const error = await refusal(verifier.verify(await proven(execute())));
      expect(error.message).toMatch(/redirect \(HTTP 307\), which is never followed/);
      expect(evil.hits).toBe(before);
    });

    it('refuses a proof signed for another region with the region to use', async () => {
      const request = await proven(execute(), proverFor(ids.reader, { region: 'us-east-1' }));
      await refusedLocally(request, /signed for region us-east-1.*--region eu-west-1/);
    });
  });

  describe("STS's refusals", () => {
    it('refuses a proof signed with a wrong secret', async () => {
      const request = await proven(execute(), proverFor(ids.reader, { secret: 'not-the-secret' }));
      const error = await refusal(verifier.verify(request));
      expect(error.code).toBe('AUTH');
      expect(error.message).toMatch(/SignatureDoesNotMatch/);
    });

    it('refuses an unknown access key', async () => {
      const stranger = { ...ids.reader, accessKeyId: 'ASIAUNKNOWN0000000' };
      const error = await refusal(verifier.verify(await proven(execute(), proverFor(stranger))));
      expect(error.message).toMatch(/InvalidClientTokenId.*dbq login/);
    });

    it('refuses a non-200 answer and marks a server error retryable', async () => {
      sts.override = () => ({ status: 500, body: errorXml('InternalFailure', 'boom') });
      const error = await refusal(verifier.verify(await proven(execute())));
      expect(error.code).toBe('AUTH');
      expect(error.message).toMatch(/HTTP 500, InternalFailure/);
      expect(error.fields.retryable).toBe(true);
    });

    it('refuses a 200 from an error document too', async () => {
      sts.override = () => ({ status: 200, body: errorXml('AccessDenied', 'no') });
      expect((await refusal(verifier.verify(await proven(execute())))).code).toBe('AUTH');
    });

    it('never repeats what STS says in its error message (it can quote the token)', async () => {
      const token = ids.reader.sessionToken ?? '';
      sts.override = () => ({
        status: 403,
        body: errorXml('SignatureDoesNotMatch', `canonical request ... X-Amz-Security-Token=${token}`),
      });
      const error = await refusal(verifier.verify(await proven(execute())));
      expect(error.message).not.toContain(token.slice(0, 40));
    });

    it('gives up on an STS that does not answer', async () => {
      const sockets: Socket[] = [];
      const silent: Server = createServer((socket) => void sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const stalled = stsIdentityVerifier({
        mode: 'sts',
        region: REGION,
        stsEndpoint: `http://127.0.0.1:${port}`,
        maxSkewSeconds: 300,
        timeoutMs: 300,
      });
      const error = await refusal(
        stalled.verify(
          await proven(execute(), proverFor(ids.reader, { stsEndpoint: `http://127.0.0.1:${port}` })),
        ),
      );
      expect(error.message).toMatch(/did not answer within 300 ms/);
      expect(error.fields.retryable).toBe(true);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
  });
});
