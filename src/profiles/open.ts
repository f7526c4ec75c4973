import { createAuthSession, type AuthSession, type AuthSessionOptions } from '../sso/session.js';
import { LambdaTransport, type LambdaTarget } from '../transport/lambdaTransport.js';
import { resolveAuth } from './resolveAuth.js';
import { BUILTIN_PROFILE, type NamedProfile } from './schema.js';
import { ProfileStore } from './store.js';

/** The function name a local endpoint is asked for when the profile names none (it answers for any). */
const LOCAL_FUNCTION = 'dbq-query';

/** `-p NAME`, else the saved default profile, else the built-in `local` demo. */
export function profileNameToUse(
  requested: string | undefined,
  store: ProfileStore = new ProfileStore(),
): string {
  return requested ?? store.defaultName() ?? BUILTIN_PROFILE;
}

export interface OpenedProfile {
  profile: NamedProfile;
  auth: AuthSession;
  /** Where the transport sends requests: region, function, endpoint (for local profiles) and credentials. */
  lambda: LambdaTarget;
  transport: LambdaTransport;
}

/**
 * A saved profile ready to use: its sign-in and a Lambda transport whose credentials come from that
 * sign-in (`AWS_ENDPOINT_URL_LAMBDA` and the SDK's other endpoint settings still apply). Nothing is
 * contacted until the first request.
 */
export function openSavedProfile(
  name: string,
  store: ProfileStore = new ProfileStore(),
  options: AuthSessionOptions = {},
): OpenedProfile {
  const profile = store.require(name);
  const auth = createAuthSession(name, resolveAuth(profile, store), options);
  const lambda: LambdaTarget =
    profile.auth.type === 'local'
      ? {
          region: profile.region ?? 'us-east-1',
          functionName: profile.function ?? LOCAL_FUNCTION,
          endpoint: profile.auth.endpoint.replace(/\/$/, ''),
          credentials: auth.credentials,
        }
      : {
          region: profile.region ?? 'us-east-1',
          functionName: profile.function ?? LOCAL_FUNCTION,
          credentials: auth.credentials,
        };
  return { profile, auth, lambda, transport: new LambdaTransport(lambda) };
}
