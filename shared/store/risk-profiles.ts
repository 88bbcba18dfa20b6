import { GetItemCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RiskProfileSpec } from '../risk/profile-spec.ts';
import type { RiskProfile } from '../risk/profile-schema.ts';
import { findProfile, type ProfileResolver } from '../risk/built-in-profiles.ts';
import { applied, ConflictError, guarded } from './errors.ts';
import { TableStore } from './table-store.ts';

/** One version of a tenant's risk profile: the full profile, and the spec it was made from. */
export interface StoredProfile {
  readonly name: string;
  readonly version: number;
  readonly profile: RiskProfile;
  readonly spec: RiskProfileSpec;
  readonly createdAt: string;
}

type Item = Record<string, AttributeValue>;

/**
 * Tenants' risk profiles: every version kept, immutable (`v#<name>#<version>`), and the
 * latest of each name beside them (`latest#<name>`), written in one transaction
 * conditional on the version it replaces, so two publishers never both make version n.
 */
export class RiskProfileStore extends TableStore {
  private key(tenantId: string, profileKey: string): Item {
    return { tenantId: { S: tenantId }, profileKey: { S: profileKey } };
  }

  private item(tenantId: string, profileKey: string, p: StoredProfile): Item {
    return { ...this.key(tenantId, profileKey), version: { N: String(p.version) }, body: { S: JSON.stringify(p) } };
  }

  async latest(tenantId: string, name: string): Promise<StoredProfile | undefined> {
    return this.read(tenantId, `latest#${name}`);
  }

  async version(tenantId: string, name: string, version: number): Promise<StoredProfile | undefined> {
    return this.read(tenantId, versionKey(name, version));
  }

  /** The latest version of each of the tenant's profiles, by name. */
  async listLatest(tenantId: string): Promise<StoredProfile[]> {
    const items = await this.queryAll({
      TableName: this.table,
      KeyConditionExpression: 'tenantId = :t AND begins_with(profileKey, :l)',
      ExpressionAttributeValues: { ':t': { S: tenantId }, ':l': { S: 'latest#' } },
      ConsistentRead: true,
    });
    return items.map(storedOf);
  }


  /**
   * Finds profiles by name for this tenant: a built-in, else the latest version of the
   * tenant's own. Reads the tenant's profiles once, on the first name that is not built in.
   */
  resolver(tenantId: string): ProfileResolver {
    let own: Promise<Map<string, RiskProfile>> | undefined;
    return async (name) => {
      const builtIn = findProfile(name);
      if (builtIn) return builtIn;
      own ??= this.listLatest(tenantId).then((ps) => new Map(ps.map((p) => [p.name, p.profile])));
      return (await own).get(name);
    };
  }

  /** Stores `p` as the next version of its name; ConflictError when another version was published since `p.version − 1` was read. */
  async publish(tenantId: string, p: StoredProfile): Promise<void> {
    const previous = p.version - 1;
    const written = await applied(() =>
      this.db.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: this.item(tenantId, versionKey(p.name, p.version), p), ConditionExpression: 'attribute_not_exists(profileKey)' } },
            {
              Put: {
                TableName: this.table,
                Item: this.item(tenantId, `latest#${p.name}`, p),
                ConditionExpression: previous === 0 ? 'attribute_not_exists(profileKey)' : 'version = :v',
                ...(previous === 0 ? {} : { ExpressionAttributeValues: { ':v': { N: String(previous) } } }),
              },
            },
          ],
        }),
      ),
    );
    if (!written) throw new ConflictError(`risk profile ${p.name}`);
  }

  private async read(tenantId: string, profileKey: string): Promise<StoredProfile | undefined> {
    const { Item } = await guarded(() => this.db.send(new GetItemCommand({ TableName: this.table, Key: this.key(tenantId, profileKey), ConsistentRead: true })));
    return Item ? storedOf(Item) : undefined;
  }
}

/** Versions sort by number within a name: zero-padded. */
function versionKey(name: string, version: number): string {
  return `v#${name}#${String(version).padStart(10, '0')}`;
}

function storedOf(i: Item): StoredProfile {
  return JSON.parse(i['body']!.S!) as StoredProfile;
}
