"""Writes test/fixtures/option-reference.json: Black-Scholes (zero rates) at 40 digits.

An independent reference for shared/risk/black-scholes.ts: price, delta and gamma of calls
and puts on the grid below (spot 100; moneyness × expiry × volatility), each computed by
mpmath at 40 significant digits from the exact double inputs, and written with 20.
shared/risk/black-scholes.test.ts rebuilds the same grid and checks optionQuote against it.

    python3 scripts/option-reference.py       # needs mpmath (pip install mpmath)
"""
import json
import mpmath as mp

mp.mp.dps = 40
SPOT = 100.0
MONEYNESS = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0, 1.01, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0]
YEARS = [1 / 8760, 1 / 365, 7 / 365, 30 / 365, 0.25, 1.0, 3.0]
VOLS = [0.05, 0.2, 0.5, 0.8, 1.5, 3.0]

rows = []
for m in MONEYNESS:
    strike = SPOT * m  # the same double as the test's
    for years in YEARS:
        for vol in VOLS:
            s, k, t, v = mp.mpf(SPOT), mp.mpf(strike), mp.mpf(years), mp.mpf(vol)
            sd = v * mp.sqrt(t)
            d1 = mp.log(s / k) / sd + sd / 2
            d2 = d1 - sd
            gamma = mp.npdf(d1) / (s * sd)
            call = s * mp.ncdf(d1) - k * mp.ncdf(d2)
            put = k * mp.ncdf(-d2) - s * mp.ncdf(-d1)
            rows.append([mp.nstr(x, 20) for x in (call, mp.ncdf(d1), put, -mp.ncdf(-d1), gamma)])

meta = {'spot': SPOT, 'moneyness': MONEYNESS, 'years': YEARS, 'vols': VOLS,
        'columns': ['call', 'callDelta', 'put', 'putDelta', 'gamma'], 'digits': 40}
with open('test/fixtures/option-reference.json', 'w') as f:
    json.dump({'grid': meta, 'rows': rows}, f, separators=(',', ':'))
print(len(rows), 'rows')
