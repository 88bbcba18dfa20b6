import { HTTPException } from 'hono/http-exception';
import { FillRejected } from '../../shared/liquidations/liquidation.ts';
import { RiskError } from '../../shared/risk/errors.ts';
import { InvalidInputError } from '../../shared/schemas/errors.ts';
import { InvalidCursorError } from '../../shared/store/assessments.ts';
import { ConflictError, StoreUnavailableError } from '../../shared/store/errors.ts';
import { LiquidationNotFound } from '../../shared/sweeps/fills.ts';
import { ApiProblem, problems } from './problems.ts';

/** Maps anything thrown while handling a request to the problem the client sees. */
export function toProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  if (error instanceof InvalidInputError) return problems.invalidRequest(error.issues);
  if (error instanceof RiskError) {
    return new ApiProblem(400, error.code, 'Invalid request', error.message, { errors: [{ field: error.field ?? '(body)', message: error.message }] });
  }
  if (error instanceof FillRejected) {
    const title = error.status === 409 ? 'Fill conflicts with the liquidation' : 'Fill refused';
    return new ApiProblem(error.status, error.code, title, error.message, error.field ? { errors: [{ field: error.field, message: error.message }] } : {});
  }
  if (error instanceof LiquidationNotFound) return problems.notFound(error.message);
  if (error instanceof InvalidCursorError) return problems.invalidRequest([{ field: 'cursor', message: error.message }]);
  if (error instanceof StoreUnavailableError) return problems.serviceUnavailable();
  if (error instanceof ConflictError) return new ApiProblem(409, 'conflict', 'Conflict', error.message, { headers: { 'Retry-After': '1' } });
  if (error instanceof HTTPException) {
    // Any other HTTPException (an ApiProblem is one, answered above): Hono's JSON validator reports an unparsable body this way.
    if (error.status === 400 && /json/i.test(error.message)) return problems.malformedJson(error.message);
    return new ApiProblem(error.status, 'http_error', 'Request error', error.message);
  }
  return problems.internal();
}
