/**
 * A WAFv2 web ACL (REGIONAL) in front of the API stage: a rate-based rule per source IP,
 * then AWS's Core rule set and Known bad inputs rule set, blocking. Two Core rules only
 * count: SizeRestrictions_BODY (it blocks bodies over 8 KB; portfolios go up to 4 MiB)
 * and NoUserAgent_HEADER (machine clients may send none). docs/deploy.md, "Web ACL (WAF)".
 */
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** The managed rule groups, in evaluation order after the rate rule, and the rules of each that only count. */
export const MANAGED_RULE_GROUPS = [
  { name: 'AWSManagedRulesCommonRuleSet', countOnly: ['SizeRestrictions_BODY', 'NoUserAgent_HEADER'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', countOnly: [] },
] as const;

/** The rate-based rule's window: WAF counts each source IP's requests over the last 5 minutes. */
export const WAF_RATE_WINDOW_SECONDS = 300;

/** What a caller over the per-IP rate gets (WAF serves it as is: no `$context` substitution). */
export const WAF_RATE_LIMITED_BODY = JSON.stringify({
  type: 'https://softland.dev/problems/rate_limited',
  title: 'Too many requests',
  status: 429,
  code: 'rate_limited',
  detail: 'too many requests from this address; retry in a few minutes',
});

export interface ApiWebAclProps {
  readonly namePrefix: string;
  readonly stage: Stage;
  /** Requests per source IP per 5 minutes. */
  readonly rateLimit: number;
}

export class ApiWebAcl extends Construct {
  readonly acl: CfnWebACL;
  readonly association: CfnWebACLAssociation;

  constructor(scope: Construct, id: string, { namePrefix, stage, rateLimit }: ApiWebAclProps) {
    super(scope, id);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.acl = new CfnWebACL(this, 'Acl', {
      name: `${namePrefix}-api`,
      description: `Rate per IP and AWS managed rules in front of the ${namePrefix} API`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(`${namePrefix}-api`),
      customResponseBodies: { rateLimited: { contentType: 'APPLICATION_JSON', content: WAF_RATE_LIMITED_BODY } },
      rules: [
        {
          name: 'RatePerSourceIp',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rateLimited' } } },
          statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP', evaluationWindowSec: WAF_RATE_WINDOW_SECONDS } },
          visibilityConfig: visibility(`${namePrefix}-api-rate`),
        },
        ...MANAGED_RULE_GROUPS.map((group, n) => ({
          name: group.name,
          priority: n + 1,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.countOnly.length ? { ruleActionOverrides: group.countOnly.map((name) => ({ name, actionToUse: { count: {} } })) } : {}),
            },
          },
          visibilityConfig: visibility(`${namePrefix}-api-${group.name}`),
        })),
      ],
    });
    this.association = new CfnWebACLAssociation(this, 'Association', { resourceArn: stage.stageArn, webAclArn: this.acl.attrArn });
    // The stage must exist before it can be associated.
    this.association.node.addDependency(stage);
  }
}
