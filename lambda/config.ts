import { z } from 'zod';
import { DbqError, ENGINES, MAX_TIMEOUT_MS, ROLES } from '../shared/protocol/index.js';

const DbUserSchema = z.strictObject({
  user: z.string().min(1),
  /** Password authentication is for local and development targets; deployed targets use `auth: iam`. */
  password: z.string().optional(),
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
    .default({ mode: 'disable' }),
  /** PGlite only: the directory holding the embedded database (memory when absent). */
  dataDir: z.string().optional(),
  region: z.string().optional(),
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

export const FunctionConfigSchema = z.strictObject({
  targets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), TargetConfigSchema),
  defaultTarget: z.string().optional(),
  identity: LocalIdentitySchema,
  limits: LimitsSchema.default(LimitsSchema.parse({})),
});

export type DbUser = z.infer<typeof DbUserSchema>;
export type TargetConfig = z.infer<typeof TargetConfigSchema>;
export type Limits = z.infer<typeof LimitsSchema>;
export type FunctionConfig = z.infer<typeof FunctionConfigSchema>;
export type LocalIdentity = z.infer<typeof LocalIdentitySchema>;

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
  return config;
}
