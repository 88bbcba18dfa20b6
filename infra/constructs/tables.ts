/**
 * The DynamoDB tables, built from the one description in shared/store/tables.ts: the same
 * keys, indexes and TTL as the local bootstrap. On demand, point-in-time recovery on;
 * deletion protection and RETAIN in prod. Encrypted at rest with DynamoDB's default
 * (AWS-owned) key, except the tables that hold secrets (`SECRET_TABLES`) with
 * `tableKey: 'customer'` (prod default): those with a customer-managed KMS key, rotated.
 */
import { Duration } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, tableNames, type KeyAttribute, type TableDefinition, type TableId } from '../../shared/store/tables.ts';
import type { StageConfig } from '../config.ts';

export type SoftlandTables = Readonly<Record<TableId, Table>>;

/** The tables that hold secrets: webhook endpoints keep their signing secrets (`secrets`, plaintext JSON). */
export const SECRET_TABLES: readonly TableId[] = ['webhookEndpoints'];

export class Tables extends Construct {
  readonly tables: SoftlandTables;
  /** The customer-managed key of the SECRET_TABLES (`tableKey: 'customer'`), else undefined (AWS-owned key). */
  readonly secretsKey: Key | undefined;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const names = tableNames(config.tablePrefix);
    const tables = {} as Record<TableId, Table>;
    const key = (this.secretsKey =
      config.tableKey === 'customer'
        ? new Key(this, 'SecretsKey', {
            description: `Encrypts the ${config.namePrefix} tables that hold secrets (${SECRET_TABLES.map((t) => names[t]).join(', ')})`,
            enableKeyRotation: true,
            removalPolicy: config.removalPolicy,
            pendingWindow: Duration.days(config.isProd ? 30 : 7),
          })
        : undefined);
    for (const tableId of Object.keys(TABLES) as TableId[]) {
      const def: TableDefinition = TABLES[tableId];
      const encryption = key && SECRET_TABLES.includes(tableId) ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: key } : {};
      const table = new Table(this, tableId, {
        tableName: names[tableId],
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.isProd,
        removalPolicy: config.removalPolicy,
        ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
        ...encryption,
      });
      for (const index of def.globalIndexes ?? []) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
          ...(index.include ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] } : { projectionType: ProjectionType.ALL }),
        });
      }
      tables[tableId] = table;
    }
    this.tables = tables;
  }
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

/** The ARNs a grant on a table must name: the table and each of its indexes (no wildcards). */
export function tableResourceArns(table: Table, def: TableDefinition): string[] {
  return [table.tableArn, ...(def.globalIndexes ?? []).map((index) => `${table.tableArn}/index/${index.indexName}`)];
}
