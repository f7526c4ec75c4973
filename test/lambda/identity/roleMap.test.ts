import { describe, expect, it } from 'vitest';
import { DbqError } from '../../../shared/protocol/index.js';
import { parseFunctionConfig } from '../../../lambda/config.js';
import { arnPatternProblem, globMatch, principalMatches } from '../../../lambda/identity/arnPattern.js';
import { resolveRole, type RoleRule } from '../../../lambda/identity/roleMap.js';

const SSO_READER =
  'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBReader_0a1b2c3d4e5f6789/alice@example.com';
const SSO_ADMIN = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBAdmin_99aa/root-ish@example.com';
const USER = 'arn:aws:iam::123456789012:user/ops/carol';

describe('principal ARN patterns', () => {
  it('matches Identity Center sessions with the role pattern IAM shows, path and all', () => {
    const pattern =
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DBReader_*';
    expect(principalMatches(pattern, SSO_READER)).toBe(true);
    expect(principalMatches(pattern, SSO_ADMIN)).toBe(false);
  });

  it('matches the session form, down to the session name', () => {
    expect(
      principalMatches('arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBReader_*/*', SSO_READER),
    ).toBe(true);
    expect(
      principalMatches(
        'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBReader_*/bob@example.com',
        SSO_READER,
      ),
    ).toBe(false);
  });

  it('never lets * cross / or :', () => {
    expect(globMatch('arn:aws:iam::123456789012:user/*', USER)).toBe(false);
    expect(globMatch('arn:aws:iam::123456789012:user/*/*', USER)).toBe(true);
    expect(globMatch('arn:aws:*', USER)).toBe(false);
    expect(principalMatches('arn:aws:sts::123456789012:assumed-role/*', SSO_READER)).toBe(false);
  });

  it('is anchored at both ends', () => {
    expect(globMatch('arn:aws:iam::123456789012:user/ops/car', USER)).toBe(false);
    expect(globMatch('aws:iam::123456789012:user/ops/carol', USER)).toBe(false);
    expect(globMatch(`${USER}x`, USER)).toBe(false);
  });

  it('treats regular-expression characters literally', () => {
    expect(globMatch('arn:aws:iam::123456789012:user/ops/c.rol', USER)).toBe(false);
    expect(globMatch('arn:aws:iam::123456789012:user/ops/(carol|.*)', USER)).toBe(false);
    expect(globMatch('arn:aws:iam::123456789012:user/ops/car?l', USER)).toBe(false);
    expect(globMatch('a+b', 'a+b')).toBe(true);
  });

  it('does not match another account or partition', () => {
    const pattern = 'arn:aws:iam::123456789012:role/AWSReservedSSO_DBReader_*';
    expect(principalMatches(pattern, SSO_READER.replace('123456789012', '210987654321'))).toBe(false);
    expect(principalMatches(pattern, SSO_READER.replace('arn:aws:', 'arn:aws-cn:'))).toBe(false);
  });

  it('does not give a role pattern to a user of the same name', () => {
    expect(
      principalMatches('arn:aws:iam::123456789012:role/carol', 'arn:aws:iam::123456789012:user/carol'),
    ).toBe(false);
  });

  it('handles many stars without blowing up', () => {
    const text = `arn:aws:iam::123456789012:user/${'a'.repeat(5000)}`;
    expect(globMatch(`arn:aws:iam::123456789012:user/${'*a'.repeat(8)}b`, text)).toBe(false);
  });

  it.each([
    ['role/*', 'not an ARN'],
    ['arn:aws:s3:::bucket', 'service must be iam or sts'],
    ['arn:aws:iam:eu-west-1:123456789012:role/x', 'empty region'],
    ['arn:aws:iam::12345:role/x', 'account must be 12 digits'],
    ['arn:aws:iam::123456789012:role/team-a/*', 'must constrain the role name'],
    ['arn:aws:iam::123456789012:role/a b', 'printable ASCII'],
    [`arn:aws:iam::123456789012:role/${'*x'.repeat(9)}`, 'at most 8'],
  ])('refuses the pattern %s', (pattern, problem) => {
    expect(arnPatternProblem(pattern)).toContain(problem);
  });

  it('accepts role/* meaning every role of the account', () => {
    expect(arnPatternProblem('arn:aws:iam::123456789012:role/*')).toBeNull();
  });
});

describe('role map', () => {
  const rules: RoleRule[] = [
    { principal: 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_DBAdmin_*/*', role: 'admin' },
    {
      principal: 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DBReader_*',
      role: 'read',
    },
    { principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_*', role: 'write' },
  ];

  it('gives the first matching rule', () => {
    expect(resolveRole(rules, SSO_READER)).toEqual({ role: 'read', rule: rules[1]?.principal });
    expect(resolveRole(rules, SSO_ADMIN)?.role).toBe('admin');
    expect(resolveRole(rules, SSO_READER.replace('DBReader', 'DBWriter'))?.role).toBe('write');
  });

  it('gives nothing when no rule matches', () => {
    expect(resolveRole(rules, USER)).toBeNull();
    expect(resolveRole([], SSO_READER)).toBeNull();
  });
});

describe('sts identity configuration', () => {
  const target = { engine: 'postgres', database: 'app' };

  it('accepts a role map and fills the defaults', () => {
    const config = parseFunctionConfig({
      targets: {
        app: {
          ...target,
          roleMap: [{ principal: 'arn:aws:iam::123456789012:role/AWSReservedSSO_DBReader_*', role: 'read' }],
        },
      },
      identity: { mode: 'sts', region: 'eu-west-1' },
    });
    expect(config.identity).toEqual({
      mode: 'sts',
      region: 'eu-west-1',
      maxSkewSeconds: 300,
      timeoutMs: 3000,
    });
  });

  it('names the rule whose pattern is wrong', () => {
    expect(() =>
      parseFunctionConfig({
        targets: { app: { ...target, roleMap: [{ principal: 'AWSReservedSSO_*', role: 'read' }] } },
        identity: { mode: 'sts', region: 'eu-west-1' },
      }),
    ).toThrow(/targets\.app\.roleMap\.0\.principal: principal pattern: not an ARN/);
  });

  it('refuses a target nobody could use', () => {
    expect(() =>
      parseFunctionConfig({ targets: { app: target }, identity: { mode: 'sts', region: 'eu-west-1' } }),
    ).toThrow(/targets\.app\.roleMap: sts identity needs at least one rule/);
  });

  it.each([
    'http://sts.example.com',
    'https://sts.eu-west-1.amazonaws.com/path',
    'https://user:pw@sts.example.com',
    'https://sts.example.com/?x=1',
  ])('refuses the STS endpoint %s', (stsEndpoint) => {
    const error = (() => {
      try {
        parseFunctionConfig({
          targets: {
            app: { ...target, roleMap: [{ principal: 'arn:aws:iam::123456789012:role/R', role: 'read' }] },
          },
          identity: { mode: 'sts', region: 'eu-west-1', stsEndpoint },
        });
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(DbqError);
    expect((error as DbqError).message).toMatch(/identity\.stsEndpoint/);
  });
});
