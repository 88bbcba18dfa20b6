import { describe, expect, it } from 'vitest';
import { API_KEY_SCOPES } from '../../../shared/store/api-keys.ts';
import { SCOPE_RULES, scopeAllows, scopesAllowing } from './scopes.ts';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Today's tenant resources, and the coming liquidations routes. */
const TODAY = ['/v1/assessments', '/v1/assessments/asm_1', '/v1/accounts', '/v1/accounts/a/assessments', '/v1/market', '/v1/sweeps/swp_1', '/v1/webhook-endpoints/we_1/deliveries'];
const LIQUIDATIONS = ['/v1/liquidations', '/v1/liquidations/liq_1', '/v1/liquidations/liq_1/fills'];

describe('scopeAllows', () => {
  it('lets admin call everything under /v1', () => {
    for (const method of METHODS) for (const path of [...TODAY, ...LIQUIDATIONS]) expect(scopeAllows('admin', method, path)).toBe(true);
  });

  it('lets read call GET and HEAD only, on every resource', () => {
    for (const path of [...TODAY, ...LIQUIDATIONS]) {
      for (const method of METHODS) expect({ method, path, allowed: scopeAllows('read', method, path) }).toEqual({ method, path, allowed: method === 'GET' || method === 'HEAD' });
    }
    expect(scopeAllows('read', 'get', '/v1/market')).toBe(true);
    expect(scopeAllows('read', 'OPTIONS', '/v1/market')).toBe(false);
  });

  it('lets liquidator call /v1/liquidations and below, with any method, and nothing else', () => {
    for (const method of METHODS) {
      for (const path of LIQUIDATIONS) expect(scopeAllows('liquidator', method, path)).toBe(true);
      for (const path of TODAY) expect(scopeAllows('liquidator', method, path)).toBe(false);
    }
  });

  it('matches path prefixes on whole segments only', () => {
    for (const path of ['/v1/liquidationsX', '/v1/liquidations-old/1', '/v1liquidations', '/v2/liquidations', '/liquidations', '/v1']) {
      expect({ path, allowed: scopeAllows('liquidator', 'GET', path) }).toEqual({ path, allowed: false });
    }
    expect(scopeAllows('admin', 'GET', '/v10/market')).toBe(false);
    expect(scopeAllows('read', 'GET', '/v1x')).toBe(false);
  });

  it('allows nothing to a scope it does not know', () => {
    expect(scopeAllows('superuser' as never, 'GET', '/v1/market')).toBe(false);
  });

  it('has rules for every scope a key can have', () => {
    expect(Object.keys(SCOPE_RULES).sort()).toEqual([...API_KEY_SCOPES].sort());
  });
});

describe('scopesAllowing', () => {
  it('names the scopes a refusal needs, admin last', () => {
    expect(scopesAllowing('POST', '/v1/assessments')).toEqual(['admin']);
    expect(scopesAllowing('GET', '/v1/accounts')).toEqual(['read', 'admin']);
    expect(scopesAllowing('POST', '/v1/liquidations/liq_1/fills')).toEqual(['liquidator', 'admin']);
    expect(scopesAllowing('GET', '/v1/liquidations')).toEqual(['liquidator', 'read', 'admin']);
    expect(scopesAllowing('GET', '/elsewhere')).toEqual([]);
  });
});
