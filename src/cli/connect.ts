import { QuerySession } from '../session/querySession.js';
import { LambdaTransport } from '../transport/lambdaTransport.js';
import { UsageError } from './usage.js';
import { openSavedProfile, profileNameToUse } from '../profiles/open.js';
import type { NamedProfile } from '../profiles/schema.js';
import { ProfileConfigError, ProfileStore } from '../profiles/store.js';
import type { AuthSession } from '../sso/session.js';
import type { RequestProver } from '../identity/prover.js';

export interface Connection {
  session: QuerySession;
  /** A short description: the profile or endpoint. */
  label: string;
  /** The saved profile, when one was used (environment, confirmWrites, defaults). */
  profile?: NamedProfile | undefined;
  /** The profile's sign-in: credentials, signed-in identity, `loginInteractive`, `logout`. */
  auth?: AuthSession | undefined;
  close(): Promise<void>;
}

export interface ConnectOptions {
  profile?: string | undefined;
  endpoint?: string | undefined;
  functionName?: string | undefined;
  region?: string | undefined;
  target?: string | undefined;
}

/**
 * Starts the built-in `local` profile: the real query handler on embedded PostgreSQL behind an in-process
 * Invoke endpoint, reached through the real Lambda client, so local use runs the production code path.
 */
export async function connectEmbedded(target?: string): Promise<Connection> {
  // Loaded on demand: only the embedded profile needs the handler and PGlite.
  const [{ createLocalFunction }, { startInvokeServer }] = await Promise.all([
    import('../local/localFunction.js'),
    import('../local/invokeServer.js'),
  ]);
  const fn = createLocalFunction({ engine: 'pglite' });
  const server = await startInvokeServer({ handler: fn.handler, streamHandler: fn.streamHandler });
  const transport = new LambdaTransport({ region: 'local', functionName: 'dbq-local', endpoint: server.url });
  return {
    session: new QuerySession(transport, target),
    label: 'local',
    close: async () => {
      transport.close();
      await server.close();
      await fn.shutdown();
    },
  };
}

/** Opens a session on the target the command line names. */
export async function connect(options: ConnectOptions): Promise<Connection> {
  if (options.endpoint) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new UsageError(`--endpoint is not a URL: ${options.endpoint}`);
    }
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
    // Loaded on demand: the embedded profile never signs proofs.
    const { identityForEndpoint } = await import('../identity/endpointIdentity.js');
    const identity = identityForEndpoint(url, region);
    const transport = new LambdaTransport({
      region,
      functionName: options.functionName ?? 'dbq-query',
      endpoint: url.toString().replace(/\/$/, ''),
      ...(identity.credentials ? { credentials: identity.credentials } : {}),
    });
    return {
      session: new QuerySession(transport, options.target, identity.prover),
      label: transport.description,
      close: () => {
        transport.close();
        return Promise.resolve();
      },
    };
  }
  return connectProfile(options.profile, options.target);
}

/** A problem with the saved profiles is the user's to fix: a usage error (exit 2) with the message. */
export function profileErrorsAsUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ProfileConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** `-p NAME`, else the default profile, else the built-in `local` demo. */
async function connectProfile(
  requested: string | undefined,
  target: string | undefined,
): Promise<Connection> {
  const opened = profileErrorsAsUsage(() => {
    const store = new ProfileStore();
    const name = profileNameToUse(requested, store);
    return name === 'local' ? undefined : openSavedProfile(name, store);
  });
  if (!opened) return connectEmbedded(target);
  const { profile, auth, transport, lambda } = opened;
  // The identity proof is signed with the same credentials as the Invoke call, so both name one principal.
  let prover: RequestProver | undefined;
  if (profile.auth.type === 'local') {
    const { identityForEndpoint } = await import('../identity/endpointIdentity.js');
    prover = identityForEndpoint(new URL(profile.auth.endpoint), lambda.region).prover;
  } else {
    const { IdentityProver } = await import('../identity/prover.js');
    prover = new IdentityProver({ credentials: auth.credentials, region: lambda.region });
  }
  return {
    session: new QuerySession(transport, target ?? profile.target, prover),
    label: profile.name,
    profile,
    auth,
    close: () => {
      transport.close();
      return Promise.resolve();
    },
  };
}
