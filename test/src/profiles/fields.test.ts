import { describe, expect, it } from 'vitest';
import { buildProfile, profileFields } from '../../../src/profiles/fields.js';
import type { Profile } from '../../../src/profiles/schema.js';

const BASE: Profile = {
  region: 'eu-west-1',
  function: 'dbq-query',
  target: 'orders',
  auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'DBReader' },
  defaults: { pageSize: 100 },
};

describe('building a profile from flags', () => {
  it('defines an sso-session when the name comes with a start URL and region', () => {
    const built = buildProfile({
      region: 'eu-west-1',
      function: 'f',
      ssoSession: 'acme',
      ssoStartUrl: 'https://acme.awsapps.com/start',
      ssoRegion: 'eu-west-1',
      accountId: '111122223333',
      roleName: 'R',
    });
    expect(built.profile.auth).toEqual({
      type: 'sso',
      ssoSession: 'acme',
      accountId: '111122223333',
      roleName: 'R',
    });
    expect(built.ssoSession).toEqual({
      name: 'acme',
      session: {
        startUrl: 'https://acme.awsapps.com/start',
        region: 'eu-west-1',
        registrationScopes: ['sso:account:access'],
      },
    });
  });

  it('keeps what an edit does not mention, and clears a field given as empty', () => {
    const { profile } = buildProfile({ roleName: 'DBWriter', target: '', pageSize: '', timeout: '30' }, BASE);
    expect(profile).toEqual({
      region: 'eu-west-1',
      function: 'dbq-query',
      auth: { type: 'sso', ssoSession: 'acme', accountId: '111122223333', roleName: 'DBWriter' },
      defaults: { timeoutSec: 30 },
    });
  });

  it('switches a profile to another way of signing in', () => {
    expect(buildProfile({ awsProfile: 'dev' }, BASE).profile.auth).toEqual({
      type: 'aws-profile',
      profile: 'dev',
    });
  });

  it('refuses two ways of signing in at once, and SSO without an account or role', () => {
    expect(() => buildProfile({ endpoint: 'http://127.0.0.1:1', ssoSession: 'acme' })).toThrow(
      /choose one way/,
    );
    expect(() => buildProfile({ ssoSession: 'acme', region: 'eu-west-1', function: 'f' })).toThrow(
      /needs --account-id and --role-name/,
    );
    expect(() => buildProfile({ pageSize: 'many', endpoint: 'http://127.0.0.1:1' })).toThrow(
      /--page-size must be a positive whole number/,
    );
  });

  it('round-trips a saved profile through the form fields', () => {
    expect(buildProfile(profileFields(BASE)).profile).toEqual(BASE);
  });
});
