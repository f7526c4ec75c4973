import { z } from 'zod';
import { DbqError, ENGINES, MAX_TIMEOUT_MS, ROLES } from '../shared/protocol/index.js';
import { arnPatternProblem } from './identity/arnPattern.js';

const DbUserSchema = z.strictObject({
  user: z.string().min(1),
  /** Password authentication is for local and development targets; deployed targets use `auth: iam`. */
  password: z.string().optional(),
});

/**
 * One rule of a target's role map (sts identity mode): principals whose ARN matches `principal` get
 * `role`. Rules are tried in order; the first match wins; no match is denied.
 */
export const RoleRuleSchema = z.strictObject({
  principal: z.string().superRefine((pattern, context) => {
    const problem = arnPatternProblem(pattern);
    if (problem !== null) context.addIssue({ code: 'custom', message: `principal pattern: ${problem}` });
  }),
  role: z.enum(ROLES),
});

/** One named database the function can reach, with the database user each role connects as. */
export const TargetConfigSchema = z.strictObject({
  engine: z.enum(ENGINES),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(1).max(65535).optional(),
  database: z.string().min(1),
  users: z
    .strictObject({
      read: DbUserSchema.optional(),
      write: DbUserSchema.optional(),
      admin: DbUserSchema.optional(),
    })
    .default({}),
  auth: z.enum(['password', 'iam']).default('password'),
  tls: z
    .strictObject({
      mode: z.enum(['disable', 'verify-full']).default('verify-full'),
      /** PEM bundle with the CA that signed the server certificate (defaults to NODE_EXTRA_CA_CERTS). */
      caFile: z.string().optional(),
    })
    // A deployed target verifies the server certificate unless its configuration says otherwise.
    .default({ mode: 'verify-full' }),
  /** PGlite only: the directory holding the embedded database (memory when absent). */
  dataDir: z.string().optional(),
  region: z.string().optional(),
  /** Who gets which role on this target, in `sts` identity mode (ignored by the local verifier). */
  roleMap: z.array(RoleRuleSchema).max(256).optional(),
});

export const LimitsSchema = z.strictObject({
  defaultTimeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).default(30_000),
  maxTimeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).default(300_000),
  /** How long an open cursor survives without a fetch. */
  cursorIdleMs: z.int().min(1_000).default(300_000),
  /** Open cursors per function instance; the oldest is closed beyond this. */
  maxCursors: z.int().min(1).max(64).default(8),
});

export const LocalIdentitySchema = z.strictObject({
  mode: z.literal('local'),
  principal: z.string().min(1),
  role: z.enum(ROLES),
});

/** Verifies callers with their presigned `sts:GetCallerIdentity` (see lambda/identity/sts.ts). */
export const StsIdentitySchema = z.strictObject({
  mode: z.literal('sts'),
  /** The region callers sign their proofs for: the function's own region. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1'),
  /**
   * Where proofs are sent; the caller never chooses it. Defaults to the regional endpoint
   * `https://sts.REGION.amazonaws.com`. Plain http is accepted on loopback hosts only (test stand-ins).
   */
  stsEndpoint: z
    .url()
    .refine((text) => {
      const url = new URL(text);
      const loopback =
        url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
      return (
        (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) &&
        (url.pathname === '/' || url.pathname === '') &&
        url.search === '' &&
        url.hash === '' &&
        url.username === '' &&
        url.password === ''
      );
    }, 'an https:// origin without path, query or credentials (http:// only on loopback)')
    .optional(),
  /** How far a proof's signing time may be from the function's clock, either way. */
  maxSkewSeconds: z.int().min(10).max(900).default(300),
  /** How long the function waits for STS. */
  timeoutMs: z.int().min(100).max(10_000).default(3_000),
});

export const IdentitySchema = z.discriminatedUnion('mode', [LocalIdentitySchema, StsIdentitySchema]);

export const FunctionConfigSchema = z.strictObject({
  targets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), TargetConfigSchema),
  defaultTarget: z.string().optional(),
  identity: IdentitySchema,
  limits: LimitsSchema.default(LimitsSchema.parse({})),
});

export type DbUser = z.infer<typeof DbUserSchema>;
export type TargetConfig = z.infer<typeof TargetConfigSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type FunctionConfig = z.infer<typeof FunctionConfigSchema>;
export type LocalIdentity = z.infer<typeof LocalIdentitySchema>;
export type StsIdentity = z.infer<typeof StsIdentitySchema>;
export type IdentityConfig = z.infer<typeof IdentitySchema>;

/** Validates function configuration; every problem names its field. */
export function parseFunctionConfig(value: unknown): FunctionConfig {
  const parsed = FunctionConfigSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`,
    );
    throw new DbqError('INTERNAL', `invalid function configuration: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const names = Object.keys(config.targets);
  if (names.length === 0)
    throw new DbqError('INTERNAL', 'invalid function configuration: targets: at least one target');
  if (config.defaultTarget !== undefined && !(config.defaultTarget in config.targets)) {
    throw new DbqError(
      'INTERNAL',
      `invalid function configuration: defaultTarget: no target named ${config.defaultTarget}`,
    );
  }
  if (config.identity.mode === 'sts') {
    const unmapped = names.filter((name) => (config.targets[name]?.roleMap ?? []).length === 0);
    if (unmapped.length > 0) {
      throw new DbqError(
        'INTERNAL',
        `invalid function configuration: targets.${unmapped.join(', targets.')}.roleMap: sts identity needs at least one rule per target (nobody could use it)`,
      );
    }
  }
  for (const [name, target] of Object.entries(config.targets)) {
    // RDS accepts IAM tokens over TLS only, and a token sent in clear could be replayed for 15 minutes.
    if (target.auth === 'iam' && target.tls.mode === 'disable') {
      throw new DbqError(
        'INTERNAL',
        `invalid function configuration: targets.${name}.tls.mode: auth "iam" needs TLS ("verify-full"), not "disable"`,
      );
    }
  }
  return config;
}
