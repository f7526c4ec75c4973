import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IdentityProofSchema,
  PROTOCOL_VERSION,
  bindingMessage,
  type Request,
  type Result,
} from '../../../shared/protocol/index.js';
import { identityForEndpoint } from '../../../src/identity/endpointIdentity.js';
import { IdentityProver } from '../../../src/identity/prover.js';
import { stsEndpointFor } from '../../../src/identity/stsEndpoint.js';
import { QuerySession } from '../../../src/session/querySession.js';
import type { QueryTransport } from '../../../src/transport/transport.js';
import { startStsStandIn, testIdentities, type StsStandIn } from '../../helpers/stsStandIn.js';

const ids = testIdentities();
let sts: StsStandIn;

function prover(now?: () => Date): IdentityProver {
  return new IdentityProver({
    credentials: {
      accessKeyId: ids.reader.accessKeyId,
      secretAccessKey: ids.reader.secretAccessKey,
      sessionToken: ids.reader.sessionToken ?? '',
    },
    region: 'eu-west-1',
    stsEndpoint: sts.url,
    ...(now ? { now } : {}),
  });
}

function params(query: string): Map<string, string> {
  return new Map(query.split('&').map((pair) => pair.split('=').map(decodeURIComponent) as [string, string]));
}

/** Records what a session sends and answers every request with an empty page. */
class RecordingTransport implements QueryTransport {
  readonly description = 'recording';
  readonly sent: Request[] = [];
  send(request: Request): Promise<Result> {
    this.sent.push(request);
    if (request.op === 'ping') {
      return Promise.resolve({
        kind: 'ping',
        principal: 'p',
        role: 'read',
        target: 't',
        engine: 'postgres',
        database: 'd',
        serverVersion: '15',
        protocol: PROTOCOL_VERSION,
      });
    }
    const more = request.op === 'execute';
    return Promise.resolve({
      kind: 'page',
      columns: [{ name: 'x', type: 'int4', kind: 'int' }],
      rows: [[1]],
      command: 'SELECT',
      affectedRows: null,
      rowOffset: more ? 0 : 1,
      cursor: more ? 'cursor-1' : null,
      readOnly: true,
      truncated: false,
      notices: [],
      elapsedMs: 0,
    });
  }
  close(): void {}
}

beforeAll(async () => {
  sts = await startStsStandIn([ids.reader], { region: 'eu-west-1' });
});

afterAll(async () => {
  await sts?.close();
});

describe('identity prover', () => {
  it('presigns GetCallerIdentity with the binding header signed', async () => {
    const request = { op: 'execute', requestId: randomUUID(), target: 'orders', sql: 'SELECT 1' };
    const proof = IdentityProofSchema.parse(await prover().prove(request));
    const query = params(proof.query);
    expect(query.get('Action')).toBe('GetCallerIdentity');
    expect(query.get('Version')).toBe('2011-06-15');
    expect(query.get('X-Amz-SignedHeaders')).toBe('host;x-dbq-binding');
    expect(query.get('X-Amz-Expires')).toBe('300');
    expect(query.get('X-Amz-Credential')).toMatch(
      new RegExp(`^${ids.reader.accessKeyId}/\\d{8}/eu-west-1/sts/aws4_request$`),
    );
    expect(query.get('X-Amz-Security-Token')).toBe(ids.reader.sessionToken);
    expect(proof.binding).toBe(createHash('sha256').update(bindingMessage(request)).digest('hex'));
  });

  it('signs with the clock it is given', async () => {
    const proof = await prover(() => new Date('2024-02-29T12:34:56Z')).prove({ op: 'ping', requestId: 'r' });
    expect(params(proof.query).get('X-Amz-Date')).toBe('20240229T123456Z');
  });

  it('makes a proof that STS accepts for the endpoint it was signed for', async () => {
    const proof = await prover().prove({ op: 'ping', requestId: 'r' });
    const response = await fetch(`${sts.url}/?${proof.query}`, {
      headers: { 'x-dbq-binding': proof.binding },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`<Arn>${ids.reader.arn}</Arn>`);
  });

  it('binds differently whatever part of the request changes', () => {
    const base = { op: 'execute', requestId: 'r', target: 'a', sql: 'b,c' };
    const messages = new Set([
      bindingMessage(base),
      bindingMessage({ ...base, target: 'a,b', sql: 'c' }),
      bindingMessage({ ...base, target: undefined }),
      bindingMessage({ op: 'fetch', requestId: 'r', target: 'a', cursor: 'b,c' }),
      bindingMessage({ ...base, requestId: 'r2' }),
    ]);
    expect(messages.size).toBe(5);
  });

  it('reports missing credentials as an authentication problem', async () => {
    const failing = new IdentityProver({
      credentials: () => Promise.reject(new Error('Could not load credentials from any providers')),
      region: 'eu-west-1',
    });
    await expect(failing.prove({ op: 'ping', requestId: 'r' })).rejects.toMatchObject({
      code: 'AUTH',
      message: expect.stringMatching(
        /cannot sign the identity proof: Could not load credentials.*dbq login/,
      ) as unknown,
    });
  });
});

describe('query session with a prover', () => {
  it('attaches a fresh proof bound to each request it sends', async () => {
    const transport = new RecordingTransport();
    const session = new QuerySession(transport, 'orders', prover());
    const result = await session.execute('SELECT x FROM t', { pageRows: 1 });
    await result.fetchNextPage();
    await result.fetchNextPage();
    await session.ping();
    expect(transport.sent.map((request) => request.op)).toEqual(['execute', 'fetch', 'ping']);
    for (const request of transport.sent) {
      expect(request.identity?.binding).toBe(
        createHash('sha256').update(bindingMessage(request)).digest('hex'),
      );
    }
    expect(new Set(transport.sent.map((request) => request.identity?.query)).size).toBe(3);
  });

  it('sends no identity field without a prover', async () => {
    const transport = new RecordingTransport();
    await new QuerySession(transport).ping();
    expect(transport.sent[0]).not.toHaveProperty('identity');
  });
});

describe('identity for --endpoint targets', () => {
  const loopback = new URL('http://127.0.0.1:9001');

  it('proves nothing to a loopback endpoint without credentials in the environment', () => {
    expect(identityForEndpoint(loopback, 'eu-west-1', {})).toEqual({});
  });

  it('proves with environment credentials on a loopback endpoint, leaving the Invoke call to dummies', () => {
    const identity = identityForEndpoint(loopback, 'eu-west-1', {
      AWS_ACCESS_KEY_ID: 'AKIAX',
      AWS_SECRET_ACCESS_KEY: 's',
    });
    expect(identity.prover).toBeInstanceOf(IdentityProver);
    expect(identity.credentials).toBeUndefined();
  });

  it('uses one credential provider for the Invoke call and the proof on a remote endpoint', () => {
    const identity = identityForEndpoint(new URL('https://lambda.eu-west-1.amazonaws.com'), 'eu-west-1', {});
    expect(identity.prover).toBeInstanceOf(IdentityProver);
    expect(typeof identity.credentials).toBe('function');
  });

  it('signs for the regional STS endpoint unless the SDK endpoint variables say otherwise', () => {
    expect(stsEndpointFor('eu-west-1', {})).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(stsEndpointFor('cn-north-1', {})).toBe('https://sts.cn-north-1.amazonaws.com.cn');
    expect(stsEndpointFor('eu-west-1', { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:1' })).toBe(
      'http://127.0.0.1:1',
    );
    expect(stsEndpointFor('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:2' })).toBe(
      'http://127.0.0.1:2',
    );
  });
});
