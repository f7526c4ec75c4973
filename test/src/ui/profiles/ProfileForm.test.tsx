import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { ProfileForm, type ProfileFormValues } from '../../../../src/ui/profiles/ProfileForm.js';

const EMPTY: ProfileFormValues = {
  name: '',
  authKind: 'sso',
  region: '',
  function: '',
  target: '',
  environment: '',
  ssoSession: '',
  ssoStartUrl: '',
  ssoRegion: '',
  accountId: '',
  roleName: '',
  awsProfile: '',
  endpoint: '',
  pageSize: '',
  timeout: '',
  format: '',
  exportDir: '',
};

const KEYS = { right: '\u001B[C', enter: '\r', ctrlS: '\u0013', escape: '\u001B' };

/** Waits until the condition holds, failing after a deadline. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function renderForm(overrides: Partial<Parameters<typeof ProfileForm>[0]> = {}) {
  const submitted: ProfileFormValues[] = [];
  const result = render(
    <ProfileForm
      title="New connection profile"
      initial={EMPTY}
      nameEditable
      validate={() => null}
      onSubmit={(values) => submitted.push(values)}
      onCancel={() => undefined}
      {...overrides}
    />,
  );
  const frame = (): string => result.lastFrame() ?? '';
  return { ...result, submitted, frame };
}

describe('the profile form', () => {
  it('fills fields in order, switches the sign-in kind with the arrows, and submits what was typed', async () => {
    const { stdin, frame, submitted } = renderForm();
    // Typed text and Enter arriving in one read, as from a quick typist.
    stdin.write('dev\reu-west-1\rdbq-query\r\r\r');
    await until(() => frame().includes('› Sign in with'), 'the sign-in field');
    stdin.write(KEYS.right + KEYS.right);
    await until(() => frame().includes('‹ local ›'), 'the local sign-in');
    expect(frame()).toContain('Endpoint');
    expect(frame()).not.toContain('Account id');
    stdin.write(`${KEYS.enter}http://127.0.0.1:9001${KEYS.ctrlS}`);
    await until(() => submitted.length > 0, 'the submission');
    expect(submitted).toEqual([
      {
        ...EMPTY,
        name: 'dev',
        region: 'eu-west-1',
        function: 'dbq-query',
        authKind: 'local',
        endpoint: 'http://127.0.0.1:9001',
      },
    ]);
  });

  it('shows what is wrong and keeps the values when validation fails', async () => {
    const { stdin, frame, submitted } = renderForm({
      title: 'Edit profile prod',
      initial: { ...EMPTY, name: 'prod', region: 'eu-west-1' },
      nameEditable: false,
      validate: (values) =>
        values.accountId.length === 12 ? null : 'auth.accountId: must be a 12-digit AWS account id',
    });
    expect(frame()).not.toContain('Name');
    stdin.write(KEYS.ctrlS);
    await until(() => frame().includes('auth.accountId: must be a 12-digit AWS account id'), 'the error');
    expect(frame()).toContain('eu-west-1');
    expect(submitted).toEqual([]);
  });

  it('applies Backspace inside typed text and keeps control characters out of fields', async () => {
    const { stdin, submitted } = renderForm();
    stdin.write('devx\u007f\u0007\reu-west-1\u0013');
    await until(() => submitted.length > 0, 'the submission');
    expect(submitted).toEqual([{ ...EMPTY, name: 'dev', region: 'eu-west-1' }]);
  });

  it('cancels on Escape', async () => {
    let cancelled = false;
    const { stdin } = renderForm({
      onCancel: () => {
        cancelled = true;
      },
    });
    stdin.write(KEYS.escape);
    await until(() => cancelled, 'the cancellation');
  });
});
