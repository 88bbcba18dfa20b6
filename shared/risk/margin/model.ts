/**
 * What a margin model answers. Quantities and collateral amounts are passed in
 * separately from the book so the planner can ask "what if" without revaluing.
 */
export interface AccountState {
  /** Signed quantity per book position. */
  readonly quantities: Float64Array;
  /** Amount per book collateral balance. */
  readonly amounts: Float64Array;
}

export interface Requirement {
  readonly maintenance: number;
  readonly initial: number;
}

/** The scenario that sets an underlying's portfolio requirement. */
export interface WorstScenario {
  /** Price move as a fraction of spot (−0.16 = −16%). */
  readonly priceMove: number;
  /** Volatility multiplier family: unchanged, up or down. */
  readonly volShock: 'unchanged' | 'up' | 'down';
}

export interface UnderlyingMargin {
  readonly maintenance: number;
  readonly worstScenario: WorstScenario | null;
}

export interface MarginBreakdown extends Requirement {
  /** Maintenance margin attributed to each position (a hedge can be negative under `portfolio`). */
  readonly positionMaintenance: Float64Array;
  readonly positionInitial: Float64Array;
  /** Maintenance margin attributed to each collateral balance (its scenario loss). */
  readonly collateralMaintenance: Float64Array;
  /** Per `Book.underlyings` entry. */
  readonly underlyings: readonly UnderlyingMargin[];
}

/** A position index and the quantity it would have. */
export type PositionChange = readonly [index: number, quantity: number];

/**
 * Maintenance margin of a state that changes one entry at a time: what-if
 * questions cost one underlying's scenarios, not the whole book.
 */
export interface MarginSession {
  /** Maintenance margin of the current state. */
  maintenance(): number;
  /** Maintenance margin if position `i` had `quantity`, all else unchanged. */
  maintenanceWithPosition(i: number, quantity: number): number;
  /** Maintenance margin if each listed position had its new quantity, all else unchanged (distinct positions). */
  maintenanceWithPositions(changes: readonly PositionChange[]): number;
  /** Maintenance margin if collateral balance `c` were `amount`, all else unchanged. */
  maintenanceWithCollateral(c: number, amount: number): number;
  setPosition(i: number, quantity: number): void;
  setCollateral(c: number, amount: number): void;
}

/** Closing one unit of a position (toward zero) or of a collateral balance (a sale, or a debt bought back). */
export interface Reduction {
  readonly kind: 'position' | 'collateral';
  readonly index: number;
  /** +1 for a long position or a balance held, −1 for a short position or a debt. */
  readonly sign: 1 | -1;
}

/**
 * Maintenance margin as an exact function of the amounts x closed of each reduction
 * (0 ≤ x_j ≤ upper_j): MM(x) = constant + Σ_j linear_j·x_j + Σ_g max(0, max_r row_gr(x)).
 * Both models are convex piecewise-linear in x, so this is what a linear program needs.
 */
export interface LinearMargin {
  readonly constant: number;
  readonly linear: Float64Array;
  readonly groups: readonly MaxGroup[];
}

/** max(0, max over rows r of rowConstants[r] + Σ_k coefficients[r·m + k]·x_members[k]), m = members.length. */
export interface MaxGroup {
  readonly members: Int32Array;
  readonly rowConstants: Float64Array;
  readonly coefficients: Float64Array;
}

export interface MarginModel {
  /** The requirement as a function of the amounts closed of `reductions`, exact for amounts within `upper`. */
  linearize(state: AccountState, reductions: readonly Reduction[], upper: Float64Array): LinearMargin;
  /** Total requirement of a state. */
  requirement(state: AccountState): Requirement;
  /** Requirement with its attribution to positions, collateral and underlyings. */
  breakdown(state: AccountState): MarginBreakdown;
  /** An incremental evaluator starting from a copy of `state`. */
  session(state: AccountState): MarginSession;
  /**
   * Maintenance margin of one underlying's positions and collateral when its price is
   * multiplied by `f`, all else unchanged. Requirements add up across underlyings, so
   * this is what a price move of that underlying does to the account's total.
   * `modelPrices`, when given, receives the model price at price × f of each of the
   * underlying's positions (in book order) that the model valued on the way (NaN otherwise).
   */
  maintenanceOfUnderlyingAt(u: number, f: number, state: AccountState, modelPrices?: Float64Array): number;
  /**
   * As `maintenanceOfUnderlyingAt`, with the underlying's initial margin at price × f too
   * (what tells `healthy` from `warning`). Initial margins add up across underlyings as well.
   */
  requirementOfUnderlyingAt(u: number, f: number, state: AccountState, modelPrices?: Float64Array): Requirement;
}
