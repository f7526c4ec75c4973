import { QuerySession } from '../session/querySession.js';
import { LambdaTransport } from '../transport/lambdaTransport.js';
import { UsageError } from './usage.js';

export interface Connection {
  session: QuerySession;
  /** A short description: the profile or endpoint. */
  label: string;
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
  const server = await startInvokeServer({ handler: fn.handler });
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
    const transport = new LambdaTransport({
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      functionName: options.functionName ?? 'dbq-query',
      endpoint: url.toString().replace(/\/$/, ''),
    });
    return {
      session: new QuerySession(transport, options.target),
      label: transport.description,
      close: () => {
        transport.close();
        return Promise.resolve();
      },
    };
  }
  const profile = options.profile ?? 'local';
  if (profile === 'local') return connectEmbedded(options.target);
  throw new UsageError(`no saved profile named "${profile}"; the built-in profile is "local"`);
}
