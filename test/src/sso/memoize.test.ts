import { describe, expect, it } from 'vitest';
import { memoizeCredentials } from '../../../src/sso/memoize.js';

const creds = (n: number, expiresInMs?: number) => ({
  accessKeyId: `AKID${n}`,
  secretAccessKey: 'secret',
  ...(expiresInMs === undefined ? {} : { expiration: new Date(Date.now() + expiresInMs) }),
});

describe('memoized credentials', () => {
  it('shares one load between concurrent callers and keeps the result until near expiry', async () => {
    let loads = 0;
    const provider = memoizeCredentials(() => Promise.resolve(creds(++loads, 3600_000)));
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a).toBe(b);
    expect((await provider()).accessKeyId).toBe('AKID1');
    expect(loads).toBe(1);
    expect((await provider({ forceRefresh: true })).accessKeyId).toBe('AKID2');
  });

  it('does not keep a failure, so the next call (after a sign-in) loads again', async () => {
    let fail = true;
    const provider = memoizeCredentials(() =>
      fail ? Promise.reject(new Error('signed out')) : Promise.resolve(creds(1)),
    );
    await expect(provider()).rejects.toThrow('signed out');
    fail = false;
    expect((await provider()).accessKeyId).toBe('AKID1');
  });

  it('forgets its credentials when invalidated, even while a load is under way', async () => {
    let loads = 0;
    const provider = memoizeCredentials(() => Promise.resolve(creds(++loads)));
    const pending = provider();
    provider.invalidate();
    await pending;
    expect((await provider()).accessKeyId).toBe('AKID2');
    expect(provider.memoized).toBe(true);
  });
});
