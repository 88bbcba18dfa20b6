/**
 * The DynamoDB tables, built from the one description in shared/store/tables.ts: the same
 * keys, indexes and TTL as the local bootstrap. On demand, point-in-time recovery on;
 * deletion protection and RETAIN in prod. Encrypted at rest with DynamoDB's default
 * (AWS-owned) key.
 */
import { AttributeType, BillingMode, ProjectionType, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, tableNames, type KeyAttribute, type TableDefinition, type TableId } from '../../shared/store/tables.ts';
import type { StageConfig } from '../config.ts';

export type SoftlandTables = Readonly<Record<TableId, Table>>;

export class Tables extends Construct {
  readonly tables: SoftlandTables;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const names = tableNames(config.tablePrefix);
    const tables = {} as Record<TableId, Table>;
    for (const tableId of Object.keys(TABLES) as TableId[]) {
      const def: TableDefinition = TABLES[tableId];
      const table = new Table(this, tableId, {
        tableName: names[tableId],
        partitionKey: attribute(def.partitionKey),
        ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.isProd,
        removalPolicy: config.removalPolicy,
        ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
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
