import { stsIdentityVerifier } from '../../lambda/identity/sts.js';
import { parseFunctionConfig, type TargetConfig } from '../../lambda/config.js';
import type { AuditEvent, AuditSink } from '../../lambda/audit.js';
import { createHandler, type QueryHandler } from '../../lambda/createHandler.js';
import { createDeployedEngine } from '../../lambda/engines/deployed.js';
import { createPgliteEngine } from '../../lambda/engines/pglite.js';
import { Runtime } from '../../lambda/runtime.js';
import type { BindableRequest, IdentityProof } from '../../shared/protocol/index.js';
import { startInvokeServer, type InvokeServer } from '../../src/local/invokeServer.js';
import { IdentityProver, type RequestProver } from '../../src/identity/prover.js';
import { QuerySession } from '../../src/session/querySession.js';
import { LambdaTransport } from '../../src/transport/lambdaTransport.js';
import { startStsStandIn, type StsStandIn, type TestIdentity } from './stsStandIn.js';

export const STACK_REGION = 'eu-west-1';

/** Audit events kept as the exact lines the deployed function would print. */
export class MemoryAuditSink implements AuditSink {
  readonly lines: string[] = [];
  write(event: AuditEvent): void {
    this.lines.push(`${JSON.stringify(event)}\n`);
  }
  events(): AuditEvent[] {
    return this.lines.map((line) => JSON.parse(line) as AuditEvent);
  }
}

/** A prover that remembers every proof it made, so tests can look for them where they must not be. */
export class RecordingProver implements RequestProver {
  readonly proofs: IdentityProof[] = [];
  constructor(private readonly inner: RequestProver) {}
  async prove(request: BindableRequest): Promise<IdentityProof> {
    const proof = await this.inner.prove(request);
    this.proofs.push(proof);
    return proof;
  }
}

export interface StsStack {
  sts: StsStandIn;
  server: InvokeServer;
  runtime: Runtime;
  handler: QueryHandler;
  audit: MemoryAuditSink;
  provers: RecordingProver[];
  /** A session that proves `identity` (or nothing) on each request, through the real Lambda client. */
  sessionFor(identity: TestIdentity | null, target?: string): QuerySession;
  stop(): Promise<void>;
}

/**
 * The real handler in `sts` identity mode, its verifier pointed at a local STS stand-in, behind the local
 * Invoke endpoint: what a deployed function does, on this machine.
 */
export async function startStsStack(options: {
  identities: readonly TestIdentity[];
  targets: Record<string, TargetConfig>;
  defaultTarget?: string;
}): Promise<StsStack> {
  const sts = await startStsStandIn(options.identities, { region: STACK_REGION });
  const config = parseFunctionConfig({
    targets: options.targets,
    ...(options.defaultTarget ? { defaultTarget: options.defaultTarget } : {}),
    identity: { mode: 'sts', region: STACK_REGION, stsEndpoint: sts.url },
  });
  if (config.identity.mode !== 'sts') throw new Error('unreachable');
  const audit = new MemoryAuditSink();
  const runtime = new Runtime(config, stsIdentityVerifier(config.identity), audit, (target) =>
    target.engine === 'pglite' ? createPgliteEngine(target) : createDeployedEngine(target),
  );
  const handler = createHandler(runtime);
  const server = await startInvokeServer({ handler });
  const transports: LambdaTransport[] = [];
  const provers: RecordingProver[] = [];
  return {
    sts,
    server,
    runtime,
    handler,
    audit,
    provers,
    sessionFor(identity, target) {
      const transport = new LambdaTransport({
        region: STACK_REGION,
        functionName: 'dbq-sts',
        endpoint: server.url,
      });
      transports.push(transport);
      if (identity === null) return new QuerySession(transport, target);
      const prover = new RecordingProver(
        new IdentityProver({
          credentials: {
            accessKeyId: identity.accessKeyId,
            secretAccessKey: identity.secretAccessKey,
            ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
          },
          region: STACK_REGION,
          stsEndpoint: sts.url,
        }),
      );
      provers.push(prover);
      return new QuerySession(transport, target, prover);
    },
    async stop() {
      for (const transport of transports) transport.close();
      await server.close();
      await runtime.shutdown();
      await sts.close();
    },
  };
}

/** Every secret a test run handled: none may appear in any audit line. */
export function secretsOf(
  identities: readonly TestIdentity[],
  provers: readonly RecordingProver[],
): string[] {
  const secrets: string[] = [];
  for (const identity of identities) {
    secrets.push(identity.secretAccessKey);
    if (identity.sessionToken) secrets.push(identity.sessionToken, encodeURIComponent(identity.sessionToken));
  }
  for (const prover of provers) {
    for (const proof of prover.proofs) {
      secrets.push(proof.query);
      const signature = /X-Amz-Signature=([0-9a-f]{64})/.exec(proof.query)?.[1];
      if (signature) secrets.push(signature);
    }
  }
  return secrets;
}
