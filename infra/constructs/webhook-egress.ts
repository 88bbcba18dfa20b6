/**
 * Fixed egress addresses for webhooks (`-c webhookEgress=fixed`): a VPC of its own for the
 * webhook dispatcher, two AZs, each with a public subnet holding a NAT gateway with an
 * Elastic IP of the stack's own, and a private subnet the dispatcher runs in. Every webhook
 * leaves through one of the two Elastic IPs, which an exchange can allowlist (the stack
 * outputs them). DynamoDB is reached through a gateway endpoint (free, and off the NAT
 * gateways' per-GB charge). Flow logs (all traffic) go to a log group of their own.
 *
 * Only the dispatcher is placed here: the API, the coordinator and the workers stay out of
 * any VPC, as in the default (`direct`) stack.
 */
import { CfnOutput, Fn, type RemovalPolicy } from 'aws-cdk-lib';
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  NatProvider,
  SecurityGroup,
  SubnetType,
  Vpc,
  type GatewayVpcEndpoint,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Availability zones, hence NAT gateways and Elastic IPs. */
export const WEBHOOK_EGRESS_AZS = 2;

export interface WebhookEgressProps {
  readonly namePrefix: string;
  readonly removalPolicy: RemovalPolicy;
}

export class WebhookEgress extends Construct {
  readonly vpc: Vpc;
  /** One Elastic IP per AZ, each attached to that AZ's NAT gateway. */
  readonly eips: readonly CfnEIP[];
  /** The dispatcher's subnets: private, their default route through the NAT gateway of their AZ. */
  readonly subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };
  /** The dispatcher's security group: no inbound rule, all outbound (webhook URLs may name any port). */
  readonly securityGroup: SecurityGroup;
  readonly dynamoDbEndpoint: GatewayVpcEndpoint;
  readonly flowLogs: LogGroup;

  constructor(scope: Construct, id: string, props: WebhookEgressProps) {
    super(scope, id);
    // Allocated by the stack itself, outside the VPC's subnets: their logical ids do not
    // depend on the subnet layout, so the addresses survive changes to the VPC.
    this.eips = Array.from({ length: WEBHOOK_EGRESS_AZS }, (_, i) => {
      const eip = new CfnEIP(this, `Eip${i + 1}`, { domain: 'vpc' });
      eip.tags.setTag('Name', `${props.namePrefix}-webhook-egress-${i + 1}`);
      return eip;
    });

    this.flowLogs = new LogGroup(this, 'FlowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy });

    this.vpc = new Vpc(this, 'Vpc', {
      vpcName: `${props.namePrefix}-webhook-egress`,
      ipAddresses: IpAddresses.cidr('10.0.0.0/24'),
      maxAzs: WEBHOOK_EGRESS_AZS,
      natGateways: WEBHOOK_EGRESS_AZS,
      natGatewayProvider: NatProvider.gateway({ eipAllocationIds: this.eips.map((eip) => eip.attrAllocationId) }),
      subnetConfiguration: [
        // Holds only the NAT gateways.
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 28, mapPublicIpOnLaunch: false },
        // Holds the dispatcher's network interfaces (Lambda shares one per subnet and security group).
        { name: 'Dispatcher', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 26 },
      ],
      // Nothing uses the default security group; restricting it would take a custom-resource
      // Lambda function (with its own role and runtime) in the stack.
      restrictDefaultSecurityGroup: false,
      flowLogs: {
        All: { destination: FlowLogDestination.toCloudWatchLogs(this.flowLogs), trafficType: FlowLogTrafficType.ALL },
      },
    });

    // DynamoDB through the route tables of the dispatcher's subnets, not the NAT gateways.
    this.dynamoDbEndpoint = this.vpc.addGatewayEndpoint('DynamoDb', { service: GatewayVpcEndpointAwsService.DYNAMODB, subnets: [this.subnets] });

    this.securityGroup = new SecurityGroup(this, 'DispatcherSecurityGroup', {
      vpc: this.vpc,
      description: `${props.namePrefix} webhook dispatcher: no inbound, all outbound (webhooks, DynamoDB, X-Ray)`,
      allowAllOutbound: true,
    });
  }

  /** Outputs the Elastic IPs: one per AZ, and the comma-separated list. */
  addOutputs(scope: Construct): void {
    this.eips.forEach((eip, i) => {
      new CfnOutput(scope, `WebhookEgressIp${i + 1}`, { value: eip.attrPublicIp, description: `Webhook source address ${i + 1} of ${this.eips.length} (NAT gateway Elastic IP)` });
    });
    new CfnOutput(scope, 'WebhookEgressIps', {
      value: Fn.join(',', this.eips.map((eip) => eip.attrPublicIp)),
      description: 'Every address webhooks come from, comma-separated: what an exchange allowlists',
    });
  }
}
