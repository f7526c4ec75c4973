import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { DbqError } from '../../shared/protocol/index.js';
import { parseFunctionConfig, type FunctionConfig, type FunctionConfigSchema } from '../config.js';
import { defaultStsEndpoint } from '../identity/sts.js';
import { scopeOf } from './arns.js';
import { roleOfPermissionSet } from './permissionSets.js';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TARGET = /^[A-Za-z0-9_.-]{1,128}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;

const securityGroupId = z
  .string()
  .regex(SECURITY_GROUP, 'must be a security group id such as sg-0123456789abcdef0');
const retentionDays = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

/** The database behind one function target: what IAM and the network need to know about it. */
const DatabaseSchema = z.strictObject({
  /**
   * The DB instance resource id (`db-…`) or Aurora cluster resource id (`cluster-…`) — not the identifier you
   * named it: `rds-db:connect` ARNs are built from it.
   */
  resourceId: z
    .string()
    .regex(
      /^(db|cluster)-[A-Za-z0-9]{1,64}$/,
      'must be a DbiResourceId (db-…) or cluster resource id (cluster-…)',
    ),
  /** The database's security group: the function may reach it on the target's port and nothing else. */
  securityGroupId,
  /** Add the matching ingress rule to the database's security group (off when another team owns it). */
  addIngressRule: z.boolean().default(true),
  /** Options for this database's bootstrap SQL (lambda/bootstrap), which `npm run synth` renders. */
  bootstrap: z
    .strictObject({
      /** PostgreSQL: the application schemas (default `public`). */
      schemas: z.array(z.string()).min(1).optional(),
      /** PostgreSQL: the role that creates the application's tables (default privileges on future ones). */
      owner: z.string().optional(),
      /** PostgreSQL: roles that keep what the script takes from PUBLIC (the application's own users). */
      keepPublicPrivilegesFor: z.array(z.string()).optional(),
      /** MySQL: `mariadb` for RDS for MariaDB. */
      flavor: z.enum(['mysql', 'mariadb']).optional(),
      /** Sessions per database user (default 50). */
      connectionLimit: z.int().min(1).max(10_000).optional(),
    })
    .optional(),
});

/** How the function reaches STS (identity verification) from inside the VPC. */
const StsAccessSchema = z.discriminatedUnion(
  'mode',
  [
    /** A new STS interface endpoint with private DNS in the function's subnets. */
    z.strictObject({ mode: z.literal('create-endpoint') }),
    /** An STS interface endpoint that already serves the VPC (private DNS on). */
    z.strictObject({
      mode: z.literal('existing-endpoint'),
      securityGroupId,
      addIngressRule: z.boolean().default(true),
    }),
    /** The public regional endpoint through the subnets' NAT gateway: HTTPS egress to anywhere. */
    z.strictObject({ mode: z.literal('nat') }),
  ],
  { error: 'mode must be one of create-endpoint, existing-endpoint, nat' },
);

/** How the stack's `dbq profiles add` commands sign users in. */
const ProfilesSchema = z
  .strictObject({
    ssoSession: z.string().regex(NAME).optional(),
    ssoStartUrl: z.url({ protocol: /^https$/ }).optional(),
    ssoRegion: z.string().regex(REGION).optional(),
    /** The IAM Identity Center permission set that carries each role, e.g. `{"read": "DBReader"}`. */
    permissionSets: z.strictObject({
      read: z
        .string()
        .regex(/^[\w+=,.@-]{1,32}$/)
        .optional(),
      write: z
        .string()
        .regex(/^[\w+=,.@-]{1,32}$/)
        .optional(),
      admin: z
        .string()
        .regex(/^[\w+=,.@-]{1,32}$/)
        .optional(),
    }),
    /** A label for the profiles (`production` makes the REPL ask before writes). */
    environment: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/)
      .optional(),
  })
  .superRefine((profiles, ctx) => {
    const bySession = profiles.ssoSession !== undefined;
    const byUrl = profiles.ssoStartUrl !== undefined || profiles.ssoRegion !== undefined;
    if (bySession === byUrl || (byUrl && (!profiles.ssoStartUrl || !profiles.ssoRegion))) {
      ctx.addIssue({
        code: 'custom',
        path: ['ssoSession'],
        message: 'give either ssoSession, or ssoStartUrl with ssoRegion',
      });
    }
  });

/** `dbq.deploy.json`: everything the stack needs, with the function's own configuration under `functionConfig`. */
export const DeployConfigSchema = z.strictObject({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/)
    .default('dbq'),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(REGION, 'must be an AWS region such as eu-west-1'),
  functionName: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('dbq-query'),
  /** More memory also means more CPU: a faster cold start and faster page encoding. */
  memoryMiB: z.int().min(128).max(10_240).default(1024),
  /** Defaults to the configured maximum statement timeout plus ten seconds to return the page. */
  timeoutSeconds: z.int().min(10).max(900).optional(),
  /** Caps concurrent instances, so a runaway client cannot exhaust the database's connections. */
  reservedConcurrency: z.int().min(1).max(1000).default(10),
  vpc: z.strictObject({
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id'),
    /** Private subnets that route to the database (at least two AZs for availability). */
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id'))
      .min(1)
      .refine((ids) => new Set(ids).size === ids.length, 'lists a subnet twice'),
  }),
  sts: StsAccessSchema,
  logs: z
    .strictObject({
      /** Audit events live here: keep them as long as your audit policy says. */
      retentionDays: z
        .int()
        .refine((days) => retentionDays.includes(days), `must be one of ${retentionDays.join(', ')}`)
        .default(365),
      kmsKeyArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'must be a KMS key ARN')
        .optional(),
      groupName: z
        .string()
        .regex(/^[.\-_/#A-Za-z0-9]{1,512}$/)
        .optional(),
    })
    .default({ retentionDays: 365 }),
  /** One entry per function target, by target name. */
  databases: z.record(z.string().regex(TARGET), DatabaseSchema),
  profiles: ProfilesSchema,
  /** Exactly what the function receives as `DBQ_CONFIG` (see lambda/config.ts). */
  functionConfig: z.record(z.string(), z.unknown()),
});

/** The function configuration as written (before defaults), mirroring `FunctionConfigSchema`. */
export type FunctionConfigInput = z.input<typeof FunctionConfigSchema>;

/** The typed props of the stack: `dbq.deploy.json` as written, with the function configuration typed. */
export type DeployConfigInput = Omit<z.input<typeof DeployConfigSchema>, 'functionConfig'> & {
  functionConfig: FunctionConfigInput;
};

export type DatabaseProps = z.output<typeof DatabaseSchema>;
export type StsAccess = z.output<typeof StsAccessSchema>;
export type ProfilesProps = z.output<typeof ProfilesSchema>;

/** A validated deployment: infrastructure settings plus the function configuration, parsed and as JSON. */
export type Deployment = Omit<z.output<typeof DeployConfigSchema>, 'functionConfig'> & {
  functionConfig: FunctionConfig;
  /** The `DBQ_CONFIG` value: the configuration as written, validated by `parseFunctionConfig`. */
  functionConfigJson: string;
};

function invalid(problems: string[]): DbqError {
  return new DbqError('INTERNAL', `invalid deploy configuration: ${problems.join('; ')}`);
}

type Infra = Omit<z.output<typeof DeployConfigSchema>, 'functionConfig'>;

/** The identity a deployed function verifies: STS in its own region, reached the way the network allows. */
function identityProblems(config: FunctionConfig, infra: Infra): string[] {
  const { identity } = config;
  if (identity.mode !== 'sts') {
    return [
      'functionConfig.identity.mode: a deployed function verifies callers with "sts" (local is never deployed)',
    ];
  }
  const problems: string[] = [];
  if (identity.region !== infra.region) {
    problems.push(
      `functionConfig.identity.region: ${identity.region} is not the function's region ${infra.region} (callers sign their proofs for it)`,
    );
  }
  const regional = defaultStsEndpoint(infra.region);
  const endpoint = identity.stsEndpoint ?? regional;
  if (infra.sts.mode !== 'nat' && new URL(endpoint).origin !== new URL(regional).origin) {
    problems.push(
      `functionConfig.identity.stsEndpoint: with sts.mode ${infra.sts.mode} the function reaches STS through the interface endpoint's private DNS, which answers for ${regional} only`,
    );
  } else if (new URL(endpoint).protocol !== 'https:') {
    problems.push('functionConfig.identity.stsEndpoint: a deployed function reaches STS over https');
  }
  return problems;
}

/** Each permission set must get, on every target its role has a user on, the role it is named for. */
function permissionSetProblems(config: FunctionConfig, infra: Infra): string[] {
  const problems: string[] = [];
  const scope = scopeOf(infra);
  for (const [role, permissionSet] of Object.entries(infra.profiles.permissionSets)) {
    if (permissionSet === undefined) continue;
    for (const [name, target] of Object.entries(config.targets)) {
      const granted = roleOfPermissionSet(target, scope, permissionSet);
      if (granted !== null && granted !== role) {
        problems.push(
          `profiles.permissionSets.${role}: functionConfig.targets.${name}.roleMap gives ${permissionSet} users the ${granted} role, not ${role}`,
        );
      }
    }
  }
  return problems;
}

/**
 * Checks what only a deployed function needs: a verified identity (never `local`), RDS IAM auth over TLS for
 * every target, no passwords, and a database entry for each target and no other.
 */
function deployedFunctionProblems(config: FunctionConfig, infra: Infra): string[] {
  const problems = [...identityProblems(config, infra), ...permissionSetProblems(config, infra)];
  for (const [name, target] of Object.entries(config.targets)) {
    const at = `functionConfig.targets.${name}`;
    if (target.engine === 'pglite') problems.push(`${at}.engine: pglite is for local use only`);
    if (target.auth !== 'iam')
      problems.push(`${at}.auth: deployed targets use "iam" (RDS IAM authentication)`);
    if (target.tls.mode !== 'verify-full')
      problems.push(`${at}.tls.mode: deployed targets use "verify-full"`);
    for (const [role, user] of Object.entries(target.users)) {
      if (user?.password !== undefined)
        problems.push(`${at}.users.${role}.password: no passwords in a deployment`);
    }
    if (Object.values(target.users).every((user) => user === undefined)) {
      problems.push(`${at}.users: names no database user`);
    }
    if (!(name in infra.databases))
      problems.push(`databases.${name}: missing (resourceId and securityGroupId)`);
  }
  for (const name of Object.keys(infra.databases)) {
    if (!(name in config.targets)) problems.push(`databases.${name}: no function target has this name`);
  }
  return problems;
}

/**
 * Validates a deployment at synth time: the infrastructure settings with zod, the function configuration
 * with `parseFunctionConfig` (the same check the function makes when it starts), then the rules a deployed
 * function must follow. Every problem names its field.
 */
export function parseDeployConfig(value: unknown): Deployment {
  const parsed = DeployConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`),
    );
  }
  const { functionConfig: written, ...infra } = parsed.data;
  let functionConfig: FunctionConfig;
  try {
    functionConfig = parseFunctionConfig(written);
  } catch (error) {
    throw invalid([`functionConfig: ${(error as Error).message}`]);
  }
  const problems = deployedFunctionProblems(functionConfig, infra);
  if (problems.length > 0) throw invalid(problems);
  return { ...infra, functionConfig, functionConfigJson: JSON.stringify(written) };
}
