import type { Highs, InitOptions } from 'highs';
import type { LinearProgram, LinearSolution, LinearSolver } from './program.ts';

/**
 * HiGHS (the Edinburgh solver, compiled to WebAssembly) behind `LinearSolver`. Loaded on
 * the first plan, not at import: healthy assessments and cold starts never pay for its
 * 3.5 MB module.
 */

/**
 * Tolerances tighter than HiGHS's defaults (1e-7): programs are scaled so their rows are
 * O(1), and a plan must reproduce its target ratio to 1e-9 on a fresh assessment.
 */
const OPTIONS = {
  output_flag: false,
  primal_feasibility_tolerance: 1e-10,
  dual_feasibility_tolerance: 1e-10,
  mip_feasibility_tolerance: 1e-10,
  mip_rel_gap: 1e-9,
  // A lot-sized program that cannot be proved optimal quickly keeps its best incumbent.
  time_limit: 5,
} as const;

/**
 * Presolve costs about five times the dual simplex itself on a plan's program (a few
 * dozen dense scenario rows: nothing to remove), so pure LPs skip it; programs with lots
 * keep it, since branch and bound gains from it. An unclassified end is retried the other way.
 */
const presolveFor = (p: LinearProgram) => (p.integer ? 'on' : 'off');

let loading: Promise<LinearSolver> | undefined;

/** The shared solver, loaded once per process. */
export function loadLinearSolver(): Promise<LinearSolver> {
  // The package's types describe its CommonJS entry; Node's ESM entry exports the loader as default.
  loading ??= import('highs').then(async (module) => highsSolver(await (module.default as unknown as (o?: InitOptions) => Promise<Highs>)()));
  return loading;
}

function highsSolver(highs: Highs): LinearSolver {
  const { modelStatus } = highs.constants;
  return {
    solve(p: LinearProgram): LinearSolution {
      const model = highs.createModel({
        numCols: p.numCols,
        numRows: p.numRows,
        colCost: p.colCost,
        colLower: p.colLower,
        colUpper: p.colUpper.map(finite(highs.infinity)),
        rowLower: p.rowLower.map(finite(highs.infinity)),
        rowUpper: p.rowUpper.map(finite(highs.infinity)),
        matrix: { format: 'csr', numRows: p.numRows, numCols: p.numCols, starts: p.starts, indices: p.indices, values: p.values },
        ...(p.integer ? { integrality: Int32Array.from(p.integer) } : {}),
      });
      try {
        model.options.set({ ...OPTIONS, presolve: presolveFor(p) });
        model.run();
        let status = model.getModelStatus();
        if (status === modelStatus.unknown) {
          model.options.set({ presolve: presolveFor(p) === 'on' ? 'off' : 'on' });
          model.run();
          status = model.getModelStatus();
        }
        // A time limit with an incumbent is a usable (if not proved least) plan.
        const solved = status === modelStatus.optimal || (status === modelStatus.timeLimit && model.getObjectiveValue() < highs.infinity);
        if (!solved) {
          if (status === modelStatus.infeasible) return { status: 'infeasible' };
          return { status: 'failed', detail: `HiGHS model status ${status}` };
        }
        return { status: 'optimal', x: model.getSolution().colValue, objective: model.getObjectiveValue() };
      } finally {
        model.dispose();
      }
    },
  };
}

/** ±Infinity as the solver's own infinity. */
const finite = (inf: number) => (v: number) => (v === Number.POSITIVE_INFINITY ? inf : v === Number.NEGATIVE_INFINITY ? -inf : v);
