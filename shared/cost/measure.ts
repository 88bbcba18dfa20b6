import { assessSnapshot } from '../engine.ts';
import type { AccountBook } from '../schemas/snapshot.ts';
import { AccountStore } from '../store/accounts.ts';
import { AssessmentStore } from '../store/assessments.ts';
import { TABLES, type GlobalIndex } from '../store/tables.ts';
import { accountSummaryOf } from '../sweeps/account-assessment.ts';
import { capturingClient, itemBytes, projected } from '../store/item-size.ts';

/** Item sizes the cost model reads, in bytes as DynamoDB bills them. */
export interface ItemSizes {
  /** A registered account's item (the book gzip'd in it, its summary, keys, index keys). Both account GSIs project ALL: each copy is this size too. */
  readonly accountItemBytes: number;
  /** A recorded assessment's main item (request and answer gzip'd, summary attributes). */
  readonly assessmentItemBytes: number;
  /** Its `byAccount` index entry (keys and the INCLUDE attributes). */
  readonly assessmentIndexBytes: number;
}

/** The books the sweep benchmark registers (bench/sweep.ts): a perpetual, and a short call with a hedge. */
export const MEASURED_BOOKS: readonly AccountBook[] = [
  { profile: 'default', collateral: [{ asset: 'USD', amount: 8_400 }], positions: [{ id: 'perp', instrument: { type: 'perpetual', underlying: 'ETH' }, quantity: 4, entryPrice: 3_000 }] },
  {
    profile: 'default',
    collateral: [{ asset: 'USD', amount: 33_600 }, { asset: 'BTC', amount: 0.1 }],
    positions: [
      { id: 'call', instrument: { type: 'option', underlying: 'BTC', right: 'call', strike: 110_000, expiry: '2027-03-26T08:00:00Z' }, quantity: -0.4 },
      { id: 'hedge', instrument: { type: 'perpetual', underlying: 'BTC' }, quantity: 0.1, entryPrice: 97_000 },
    ],
  },
];

const MARKET = { ETH: { price: 2_940, volatility: 0.7 }, BTC: { price: 98_900, volatility: 0.55 }, USD: { price: 1 } };
/** Ids as the code makes them: `asm_` plus a time-ordered 26-character id; tenants `ten_` likewise; account ids as an exchange's. */
const TENANT = 'ten_01JH5Z8W3QK7V2M9XCNR4TBD6E';
const ASSESSMENT = 'asm_01JH5Z8W3QK7V2M9XCNR4TBD6F';


/**
 * Measures the items the stores write for the benchmark's books: the account item through
 * AccountStore.put (a capturing client, no database), the assessment record through
 * AssessmentStore.recordItems, the index entry through the table's INCLUDE list. The mean
 * over MEASURED_BOOKS, rounded up to a byte.
 */
export async function measureItemSizes(books: readonly AccountBook[] = MEASURED_BOOKS): Promise<ItemSizes> {
  const byAccount = TABLES.assessments.globalIndexes[0] as GlobalIndex;
  const indexKeep = ['tenantId', 'recordKey', byAccount.partitionKey.name, byAccount.sortKey!.name, ...(byAccount.include ?? [])];
  let account = 0;
  let record = 0;
  let index = 0;
  const now = new Date('2026-01-15T12:00:00Z');
  for (const [n, book] of books.entries()) {
    const accountId = `acct-${String(n).padStart(6, '0')}`;
    const snapshot = { accountId, asOf: now.toISOString(), ...book, market: MARKET };
    const assessment = await assessSnapshot(snapshot, { id: ASSESSMENT });
    const { client, written } = capturingClient();
    await new AccountStore(client, 'accounts').put(TENANT, accountId, book, accountSummaryOf(assessment, null), assessment.tier, now);
    account += itemBytes(written());
    const [main] = new AssessmentStore(client, 'assessments').recordItems({ tenantId: TENANT, createdAt: now.toISOString(), request: snapshot, assessment });
    const item = main!.Put!.Item!;
    record += itemBytes(item);
    index += itemBytes(projected(item, indexKeep));
  }
  const mean = (total: number) => Math.ceil(total / books.length);
  return { accountItemBytes: mean(account), assessmentItemBytes: mean(record), assessmentIndexBytes: mean(index) };
}
