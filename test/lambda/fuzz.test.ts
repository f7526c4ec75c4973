import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseSchema, type BindableRequest, type IdentityProof } from '../../shared/protocol/index.js';
import type { AuditEvent } from '../../lambda/audit.js';
import { parseFunctionConfig } from '../../lambda/config.js';
import { createHandler, type QueryHandler } from '../../lambda/createHandler.js';
import { createDeployedEngine } from '../../lambda/engines/deployed.js';
import { stsIdentityVerifier } from '../../lambda/identity/sts.js';
import { Runtime } from '../../lambda/runtime.js';
import { IdentityProver } from '../../src/identity/prover.js';
import { targetFromUrl } from '../../src/local/localFunction.js';
import { createPgDatabase, type TestPgDatabase } from '../helpers/postgres.js';
import { MemoryAuditSink, RecordingProver } from '../helpers/stsStack.js';
import {
  startStsStandIn,
  testIdentities,
  type StsStandIn,
  type TestIdentity,
} from '../helpers/stsStandIn.js';

/**
 * Sends CASES random and malformed payloads straight to the handler (sts identity mode, local PostgreSQL) and checks
 * that each one is answered with a protocol response, audited with one intent and one outcome, and that
 * nothing of an identity proof reaches the audit log. Reproduce a failure with DBQ_FUZZ_SEED=<seed>.
 */
const CASES = 10_000;
const SEED = Number(process.env.DBQ_FUZZ_SEED ?? 0x5eed_db9);
const REGION = 'eu-west-1';
/** Every made-up proof value carries this marker, so its absence from the audit log can be checked. */
const MARK = 'PROOFSECRET';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const chance = (p: number): boolean => random() < p;
function pick<T>(items: readonly T[]): T {
  return items[int(items.length)] as T;
}

const KEYS = [
  'v',
  'op',
  'requestId',
  'target',
  'sql',
  'cursor',
  'options',
  'identity',
  'pageRows',
  'skipRows',
];
const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];
const UNICODE = [
  'é',
  'ß',
  '漢字',
  '🍣',
  '🧑‍💻',
  '\u0000',
  '\u202e',
  '\ud800',
  '\udfff',
  '\u2028',
  '\x1b[31m',
  '\r\n',
  '\t',
  "'",
  '"',
  '\\',
  '$$',
];
const SQLS = [
  'SELECT 1',
  'SELECT generate_series(1, 50) AS n',
  "SELECT 'x' || repeat('y', 10)",
  'SELECT * FROM missing_table',
  'SELEC 1',
  'SELECT 1; SELECT 2',
  '',
  '   ',
  'SELECT $1',
  "SELECT '\u0000'",
  'VALUES (1), (2), (3)',
  'SHOW server_version',
];

function randomString(max = 40): string {
  const length = int(max);
  let text = '';
  for (let i = 0; i < length; i += 1) {
    text += chance(0.2) ? pick(UNICODE) : String.fromCharCode(32 + int(95));
  }
  return text;
}

function randomValue(depth = 0): unknown {
  const kind = int(depth > 4 ? 6 : 9);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return chance(0.5);
    case 2:
      return pick([0, -1, 1.5, 2 ** 53 + 1, Number.MAX_VALUE, -0, 1e-300, 42]);
    case 3:
    case 4:
    case 5:
      return randomString();
    case 6:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = int(5); i > 0; i -= 1)
        object[chance(0.3) ? pick(HOSTILE_KEYS) : pick(KEYS)] = randomValue(depth + 1);
      return object;
    }
  }
}

/** A value nested `depth` levels deep, built without recursion. */
function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = chance(0.5) ? [value] : { sql: value };
  return value;
}

/** Objects with own `__proto__` keys, as JSON.parse makes them (a plain literal would set the prototype). */
function withHostileKeys(payload: Record<string, unknown>): unknown {
  const key = pick(HOSTILE_KEYS);
  const inner = JSON.stringify({ polluted: `${MARK}-${int(1e9)}`, isAdmin: true, role: 'admin' });
  const text = JSON.stringify(payload).replace(/^\{/, `{"${key}":${inner},`);
  return JSON.parse(text) as unknown;
}

function fakeProof(): unknown {
  const mark = `${MARK}${int(1e9)}`;
  const shapes: (() => unknown)[] = [
    () => mark,
    () => [mark],
    () => ({
      type: 'aws-sts-get-caller-identity',
      query: `Action=GetCallerIdentity&X-Amz-Signature=${mark}`,
      binding: mark,
    }),
    () => ({ type: 'aws-sts-get-caller-identity', query: mark, binding: 'f'.repeat(64) }),
    () => ({ type: 'aws-sts-get-caller-identity', query: `${mark}&`.repeat(3000), binding: 'f'.repeat(64) }),
    () => ({ type: mark, query: mark, binding: mark }),
    () => ({
      type: 'aws-sts-get-caller-identity',
      query: mark,
      binding: 'f'.repeat(64),
      endpoint: `http://${mark}`,
    }),
    () => JSON.parse(`{"__proto__":{"query":"${mark}"},"type":"aws-sts-get-caller-identity"}`) as unknown,
    () => ({
      type: 'aws-sts-get-caller-identity',
      query: `X-Amz-Security-Token=${mark}`,
      binding: '0'.repeat(64),
    }),
  ];
  return pick(shapes)();
}

function baseRequest(): BindableRequest & Record<string, unknown> {
  const op = pick(['execute', 'execute', 'execute', 'fetch', 'close', 'ping']);
  const request: BindableRequest & Record<string, unknown> = { v: 1, op, requestId: randomUUID() };
  if (op === 'execute') request.sql = pick(SQLS);
  if (op === 'fetch' || op === 'close') request.cursor = chance(0.5) ? randomUUID() : randomString(20) || 'c';
  if (chance(0.2)) request.target = pick(['main', 'other', 'main']);
  if (op === 'execute' && chance(0.3)) request.options = { pageRows: 1 + int(20) };
  return request;
}

function mutate(request: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...request };
  const key = pick([...KEYS, 'extra']);
  switch (int(6)) {
    case 0:
      delete copy[key];
      break;
    case 1:
      copy[key] = randomValue();
      break;
    case 2:
      copy[key] = chance(0.1) ? 'x'.repeat(1024 * 1024 + 1) : 'x'.repeat(10_000 + int(100_000));
      break;
    case 3:
      copy.v = pick([0, 2, '1', null, 1.0000001, -1]);
      break;
    case 4:
      copy.op = pick(['EXECUTE', 'drop', '', 'export', 'fetch ', null]);
      break;
    default:
      copy[key] = deep(50 + int(5000));
  }
  return copy;
}

describe('fuzzing the query handler', () => {
  const ids = testIdentities();
  const identities: TestIdentity[] = [ids.reader, ids.writer, ids.intruder];
  let sts: StsStandIn;
  let runtime: Runtime;
  let db: TestPgDatabase;
  let handler: QueryHandler;
  const audit = new MemoryAuditSink();
  let provers: RecordingProver[] = [];

  beforeAll(async () => {
    sts = await startStsStandIn(identities, { region: REGION });
    provers = identities.map(
      (identity) =>
        new RecordingProver(
          new IdentityProver({
            credentials: {
              accessKeyId: identity.accessKeyId,
              secretAccessKey: identity.secretAccessKey,
              ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
            },
            region: REGION,
            stsEndpoint: sts.url,
          }),
        ),
    );
    db = await createPgDatabase();
    const config = parseFunctionConfig({
      targets: {
        main: {
          ...targetFromUrl('postgres', db.url),
          roleMap: [
            { principal: 'arn:aws:iam::111122223333:role/AWSReservedSSO_DBReader_*', role: 'read' },
            { principal: 'arn:aws:iam::111122223333:role/AWSReservedSSO_DBWriter_*', role: 'write' },
          ],
        },
      },
      defaultTarget: 'main',
      identity: { mode: 'sts', region: REGION, stsEndpoint: sts.url },
    });
    if (config.identity.mode !== 'sts') throw new Error('unreachable');
    runtime = new Runtime(config, stsIdentityVerifier(config.identity), audit, createDeployedEngine);
    handler = createHandler(runtime);
  });

  afterAll(async () => {
    await runtime?.shutdown();
    await sts?.close();
    await db?.drop();
  });

  async function payload(): Promise<unknown> {
    const roll = random();
    if (roll < 0.15) return randomValue();
    if (roll < 0.2) return pick([null, undefined, 0, '', '{}', [], true, 'x'.repeat(int(100_000))]);
    if (roll < 0.25) return deep(100 + int(10_000));
    const request = baseRequest();
    if (roll < 0.45) return mutate(request);
    if (roll < 0.5) return withHostileKeys(request);
    if (roll < 0.65) return { ...request, identity: fakeProof() };
    // A real proof, then perhaps broken: the verifier, not the schema, must refuse these.
    const proof = await pick(provers).prove(request);
    if (roll < 0.8) return { ...request, identity: proof };
    const broken: IdentityProof = { ...proof };
    switch (int(6)) {
      case 0:
        broken.query = `${proof.query}&Action=GetCallerIdentity`;
        break;
      case 1:
        broken.query = proof.query.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=0');
        break;
      case 2:
        return { ...request, sql: 'DROP TABLE users', identity: proof };
      case 3:
        broken.query = proof.query.replace(/X-Amz-Date=\d{8}/, 'X-Amz-Date=20200101');
        break;
      case 4:
        broken.query = proof.query.replace('GetCallerIdentity', 'AssumeRole');
        break;
      default:
        return { ...request, requestId: randomUUID(), identity: proof };
    }
    return { ...request, identity: broken };
  }

  it(
    `answers and audits ${CASES} random and malformed payloads (seed ${SEED})`,
    { timeout: 120_000 },
    async () => {
      const failures: string[] = [];
      let answered = 0;
      let allowed = 0;
      for (let index = 0; index < CASES && failures.length < 10; index += 1) {
        const event = await payload();
        const before = audit.lines.length;
        let response: unknown;
        try {
          response = await handler(event, {
            awsRequestId: `fuzz-${index}`,
            getRemainingTimeInMillis: () => 60_000,
          });
        } catch (error) {
          failures.push(`case ${index}: the handler threw ${String(error)}`);
          continue;
        }
        const parsed = ResponseSchema.safeParse(response);
        if (!parsed.success) {
          failures.push(`case ${index}: not a protocol response: ${JSON.stringify(response).slice(0, 200)}`);
          continue;
        }
        answered += 1;
        if (parsed.data.ok) allowed += 1;
        else if (parsed.data.error.code === 'INTERNAL') {
          failures.push(`case ${index}: an internal error: ${parsed.data.error.message}`);
        }
        const events = audit.lines.slice(before).map((line) => JSON.parse(line) as AuditEvent);
        const kinds = events.map((e) => `${e.event}:${e.auditId === parsed.data.auditId ? 'same' : 'other'}`);
        if (kinds.join() !== 'intent:same,outcome:same') {
          failures.push(`case ${index}: audit events ${kinds.join() || 'none'}`);
        }
        if (events.some((e) => e.principal === null && typeof e.identityError !== 'string')) {
          failures.push(`case ${index}: an event has neither a principal nor an identity error`);
        }
      }
      expect(failures, `seed ${SEED}`).toEqual([]);
      expect(answered).toBe(CASES);
      // Some genuine requests went all the way through: the fuzzer reached the database.
      expect(allowed).toBeGreaterThan(CASES / 20);
      expect(audit.lines).toHaveLength(2 * CASES);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      const text = audit.lines.join('');
      expect(text.includes(MARK), 'a made-up proof value reached the audit log').toBe(false);
      for (const identity of identities) {
        for (const secret of [identity.secretAccessKey, identity.sessionToken ?? identity.secretAccessKey]) {
          expect(text.includes(secret), 'a credential reached the audit log').toBe(false);
        }
      }
      // Every 64-hex-digit run in the log (statement hashes) against every signature made: a set lookup,
      // since thousands of substring searches over the whole log would take minutes.
      const hexRuns = new Set(text.match(/[0-9a-f]{64}/g) ?? []);
      const signatures = provers.flatMap((prover) =>
        prover.proofs.map((proof) => /X-Amz-Signature=([0-9a-f]{64})/.exec(proof.query)?.[1] ?? ''),
      );
      expect(signatures.length).toBeGreaterThan(CASES / 10);
      expect(signatures.filter((signature) => hexRuns.has(signature))).toEqual([]);
      expect(text).not.toMatch(/X-Amz-(Signature|Security-Token|Credential)=/);
    },
  );
});
