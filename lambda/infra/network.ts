import { Fn } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import type { TargetConfig } from '../config.js';
import type { Deployment } from './deployConfig.js';

/** The port a target's database listens on. */
export function databasePort(config: TargetConfig): number {
  return config.port ?? (config.engine === 'mysql' ? 3306 : 5432);
}

/** One database the function reaches: its security group and port, and the targets it serves. */
export interface DatabaseRoute {
  securityGroupId: string;
  port: number;
  targets: string[];
  addIngressRule: boolean;
}

/** Distinct (security group, port) pairs over all targets: one egress rule each. */
export function databaseRoutes(deployment: Deployment): DatabaseRoute[] {
  const routes = new Map<string, DatabaseRoute>();
  for (const [target, config] of Object.entries(deployment.functionConfig.targets)) {
    const database = deployment.databases[target];
    if (database === undefined) continue;
    const port = databasePort(config);
    const key = `${database.securityGroupId}:${port}`;
    const route = routes.get(key);
    if (route) {
      route.targets.push(target);
      route.addIngressRule ||= database.addIngressRule;
    } else {
      routes.set(key, {
        securityGroupId: database.securityGroupId,
        port,
        targets: [target],
        addIngressRule: database.addIngressRule,
      });
    }
  }
  return [...routes.values()];
}

/**
 * The function's place in the database's VPC: the imported VPC and subnets, and a security group of its own
 * whose only egress is the databases' ports and HTTPS to STS (identity verification). Nothing else leaves the
 * function: RDS IAM tokens are signed locally and Lambda ships logs itself.
 */
export class FunctionNetwork extends Construct {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroup: ec2.SecurityGroup;
  /** Present when the stack creates the STS interface endpoint. */
  readonly stsEndpoint: ec2.InterfaceVpcEndpoint | undefined;

  constructor(scope: Construct, id: string, deployment: Deployment) {
    super(scope, id);
    // The subnets are named explicitly, so the VPC's zones are never enumerated: no lookup, synth stays offline.
    this.vpc = ec2.Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: deployment.vpc.vpcId,
      availabilityZones: Fn.getAzs(),
    });
    this.subnets = deployment.vpc.subnetIds.map((subnetId) =>
      ec2.Subnet.fromSubnetId(this, `Subnet-${subnetId}`, subnetId),
    );
    this.securityGroup = new ec2.SecurityGroup(this, 'FunctionSecurityGroup', {
      vpc: this.vpc,
      description: `dbq query function ${deployment.functionName}: database ports and HTTPS to STS only`,
      allowAllOutbound: false,
    });
    for (const route of databaseRoutes(deployment)) this.allowDatabase(route);
    this.stsEndpoint = this.allowSts(deployment);
  }

  private allowDatabase(route: DatabaseRoute): void {
    const what = `dbq target ${route.targets.join(', ')}`;
    this.securityGroup.addEgressRule(
      ec2.Peer.securityGroupId(route.securityGroupId),
      ec2.Port.tcp(route.port),
      what,
    );
    if (route.addIngressRule) {
      new ec2.CfnSecurityGroupIngress(this, `DatabaseIngress-${route.securityGroupId}-${route.port}`, {
        groupId: route.securityGroupId,
        sourceSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: route.port,
        toPort: route.port,
        description: `from the ${what} query function`,
      });
    }
  }

  private allowSts(deployment: Deployment): ec2.InterfaceVpcEndpoint | undefined {
    const { sts } = deployment;
    const https = ec2.Port.tcp(443);
    switch (sts.mode) {
      case 'create-endpoint': {
        const endpointGroup = new ec2.SecurityGroup(this, 'StsEndpointSecurityGroup', {
          vpc: this.vpc,
          description: `STS interface endpoint: HTTPS from the dbq query function ${deployment.functionName}`,
          allowAllOutbound: false,
        });
        endpointGroup.addIngressRule(this.securityGroup, https, 'dbq query function');
        this.securityGroup.addEgressRule(endpointGroup, https, 'STS interface endpoint');
        return new ec2.InterfaceVpcEndpoint(this, 'StsEndpoint', {
          vpc: this.vpc,
          service: ec2.InterfaceVpcEndpointAwsService.STS,
          subnets: { subnets: this.subnets },
          securityGroups: [endpointGroup],
          privateDnsEnabled: true,
          // Only the function's security group may use it, not the whole VPC CIDR.
          open: false,
        });
      }
      case 'existing-endpoint':
        this.securityGroup.addEgressRule(
          ec2.Peer.securityGroupId(sts.securityGroupId),
          https,
          'STS interface endpoint',
        );
        if (sts.addIngressRule) {
          new ec2.CfnSecurityGroupIngress(this, 'StsEndpointIngress', {
            groupId: sts.securityGroupId,
            sourceSecurityGroupId: this.securityGroup.securityGroupId,
            ipProtocol: 'tcp',
            fromPort: 443,
            toPort: 443,
            description: `from the dbq query function ${deployment.functionName}`,
          });
        }
        return undefined;
      case 'nat':
        // Security groups cannot name a host: STS through NAT means HTTPS to any address.
        this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), https, 'STS public endpoint through NAT');
        return undefined;
    }
  }
}
