import { allPages, must, type Api, type Schemas } from '../api.ts';
import { TIERS, type Tier } from '../ui.ts';

export type Account = Schemas['Account'];
export type RiskSummary = Schemas['RiskSummary'];

/**
 * Healthy accounts are the bulk of a book and rarely what a desk watches: listed again this
 * often (listing them reads every one of their items, as counting them would).
 */
const HEALTHY_EVERY_MS = 60_000;
/** Accounts that left a re-listed tier are read one by one up to this many; past it the healthy list is re-listed. */
const MAX_SINGLE_READS = 50;

/**
 * The overview's accounts, kept current by tier: every tier worse than healthy is listed
 * again at each refresh (few accounts, the ones that matter), the healthy ones every minute.
 * Tiers are listed side by side, so the riskiest rows show while the healthy bulk is still
 * arriving. An account that left a re-listed tier and shows in no other listing is read on
 * its own, so it never drops off the board between two listings. The board's own tally is
 * then the count per tier, without a count query at each refresh.
 */
export class AccountBoard {
  readonly rows = new Map<string, Account>();
  private healthyListedAt = Number.NEGATIVE_INFINITY;
  /** Whether every tier has been listed in full at least once (the tally is then complete). */
  complete = false;

  constructor(
    private readonly api: Api,
    private readonly changed: () => void,
  ) {}

  async refresh(now = Date.now()): Promise<void> {
    this.listed.clear();
    const before = new Map([...this.rows.values()].map((a) => [a.accountId, a.tier]));
    const relistHealthy = now - this.healthyListedAt >= HEALTHY_EVERY_MS;
    const tiers = TIERS.filter((t) => t !== 'healthy' || relistHealthy);
    await Promise.all(tiers.map((t) => this.list(t)));
    if (relistHealthy) this.healthyListedAt = now;
    // Accounts of a re-listed tier that no listing of this refresh showed: read one by one, or the healthy list again.
    let missing = [...before].filter(([id, tier]) => !this.listed.has(id) && (tier !== 'healthy' || relistHealthy)).map(([id]) => id);
    if (missing.length > MAX_SINGLE_READS && !relistHealthy) {
      await this.list('healthy');
      missing = missing.filter((id) => !this.listed.has(id));
    }
    if (missing.length <= MAX_SINGLE_READS) await Promise.all(missing.map((id) => this.reread(id)));
    else for (const id of missing) this.rows.delete(id); // in no tier's listing: deleted (or not assessed any more)
    this.complete = true;
    this.changed();
  }

  /** Accounts on the board per tier. */
  tally(): Record<Tier, number> {
    const counts = Object.fromEntries(TIERS.map((t) => [t, 0])) as Record<Tier, number>;
    for (const a of this.rows.values()) if (a.tier) counts[a.tier]++;
    return counts;
  }

  /** Ids listed during the current refresh. */
  private readonly listed = new Set<string>();

  private async list(tier: Tier): Promise<void> {
    await allPages(
      (cursor) => must(this.api.GET('/v1/accounts', { params: { query: { tier, limit: 100, ...(cursor ? { cursor } : {}) } } })),
      (page) => {
        for (const a of page) {
          this.rows.set(a.accountId, a);
          this.listed.add(a.accountId);
        }
        this.changed();
      },
    );
  }

  private async reread(accountId: string): Promise<void> {
    const { data, response } = await this.api.GET('/v1/accounts/{accountId}', { params: { path: { accountId } } });
    if (data) this.rows.set(accountId, data);
    else if (response.status === 404) this.rows.delete(accountId);
  }
}

/** Riskiest first: by margin ratio ascending, accounts without a requirement (null ratio) or an assessment last. */
export function byMarginRatio(a: Account, b: Account): number {
  const ra = a.lastAssessment?.marginRatio ?? Number.POSITIVE_INFINITY;
  const rb = b.lastAssessment?.marginRatio ?? Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra < rb ? -1 : 1;
  return a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;
}
