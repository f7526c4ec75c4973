/**
 * Identity figures: what the STS identity proof costs per statement, against the local STS stand-in.
 * (1) signing a proof on the client; (2) the function's verification (local checks, the STS round trip,
 * the strict XML reading); (3) a whole statement through the real Lambda client and handler, in `sts`
 * identity mode beside `local` mode on the same PostgreSQL. Prints figures; asserts nothing.
 */
import { randomUUID } from 'node:crypto';
import { parseRequest, type Request } from '../shared/protocol/index.js';
import { stsIdentityVerifier } from '../lambda/identity/sts.js';
import { IdentityProver } from '../src/identity/prover.js';
import { createLocalFunction, targetFromUrl } from '../src/local/localFunction.js';
import { startInvokeServer } from '../src/local/invokeServer.js';
import { QuerySession } from '../src/session/querySession.js';
import { LambdaTransport } from '../src/transport/lambdaTransport.js';
import { startStsStack } from '../test/helpers/stsStack.js';
import { startStsStandIn, testIdentities } from '../test/helpers/stsStandIn.js';

const REGION = 'eu-west-1';

export interface Percentiles {
  median: number;
  p95: number;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { median: at(0.5), p95: at(0.95) };
}

const fmt = ({ median, p95 }: Percentiles): string =>
  `median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`;

export interface IdentityFigures {
  prove: Percentiles;
  verify: Percentiles;
  statementLocal: Percentiles;
  statementSts: Percentiles;
}

/** Proof signing and verification alone, `samples` times each after a warm-up. */
async function proveAndVerify(samples: number): Promise<{ prove: Percentiles; verify: Percentiles }> {
  const ids = testIdentities();
  const sts = await startStsStandIn([ids.reader], { region: REGION });
  try {
    const prover = new IdentityProver({
      credentials: {
        accessKeyId: ids.reader.accessKeyId,
        secretAccessKey: ids.reader.secretAccessKey,
        sessionToken: ids.reader.sessionToken ?? '',
      },
      region: REGION,
      stsEndpoint: sts.url,
    });
    const verifier = stsIdentityVerifier({
      mode: 'sts',
      region: REGION,
      stsEndpoint: sts.url,
      maxSkewSeconds: 300,
      timeoutMs: 3_000,
    });
    const proveTimes: number[] = [];
    const verifyTimes: number[] = [];
    for (let i = 0; i < samples + 30; i += 1) {
      const request = { v: 1, op: 'execute', requestId: randomUUID(), sql: `SELECT ${i}` } as Request;
      const signing = performance.now();
      const identity = await prover.prove(request);
      const signed = performance.now();
      const proven = parseRequest({ ...request, identity });
      const verifying = performance.now();
      await verifier.verify(proven);
      const verified = performance.now();
      if (i >= 30) {
        proveTimes.push(signed - signing);
        verifyTimes.push(verified - verifying);
      }
    }
    return { prove: percentiles(proveTimes), verify: percentiles(verifyTimes) };
  } finally {
    await sts.close();
  }
}

async function statementTimes(session: QuerySession, samples: number): Promise<Percentiles> {
  const times: number[] = [];
  for (let i = 0; i < samples + 20; i += 1) {
    const started = performance.now();
    const result = await session.execute('SELECT 1 AS one');
    await result.close();
    if (i >= 20) times.push(performance.now() - started);
  }
  return percentiles(times);
}

/** Measures and returns the figures (also used by `npm run bench`). */
export async function measureIdentity(pgUrl: string, samples = 300): Promise<IdentityFigures> {
  const { prove, verify } = await proveAndVerify(samples);
  const target = targetFromUrl('postgres', pgUrl);

  const local = createLocalFunction({
    engine: 'postgres',
    dbUrl: pgUrl,
    role: 'read',
    auditFile: '/dev/null',
  });
  const server = await startInvokeServer({ handler: local.handler });
  const transport = new LambdaTransport({ region: REGION, functionName: 'bench', endpoint: server.url });
  let statementLocal: Percentiles;
  try {
    statementLocal = await statementTimes(new QuerySession(transport), samples);
  } finally {
    transport.close();
    await server.close();
    await local.shutdown();
  }

  const ids = testIdentities();
  const stack = await startStsStack({
    identities: [ids.reader],
    targets: {
      bench: {
        ...target,
        roleMap: [{ principal: 'arn:aws:iam::111122223333:role/AWSReservedSSO_DBReader_*', role: 'read' }],
      },
    },
  });
  try {
    const statementSts = await statementTimes(stack.sessionFor(ids.reader), samples);
    return { prove, verify, statementLocal, statementSts };
  } finally {
    await stack.stop();
  }
}

/** Prints the identity figures for `npm run bench`. */
export async function identityBench(pgUrl: string): Promise<void> {
  const figures = await measureIdentity(pgUrl);
  console.log(`identity proof, client signing (300 proofs): ${fmt(figures.prove)}`);
  console.log(`identity verification against the local STS stand-in (300 proofs): ${fmt(figures.verify)}`);
  console.log(
    `SELECT 1 through the Lambda client, local identity: ${fmt(figures.statementLocal)} | sts identity: ${fmt(figures.statementSts)}` +
      ` | added median ${(figures.statementSts.median - figures.statementLocal.median).toFixed(2)} ms`,
  );
}
