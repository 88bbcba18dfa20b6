"""Fits r(y) = P[Z > y]·exp(y²/2) on [0, √32] by a rational of degree 7/8 with r(0) = 1/2 exact.

The coefficients are those of shared/risk/normal.ts (normalCdfPair). Method: linearised least
squares on 400 Chebyshev nodes (Sanathanan-Koerner iteration: each pass divides by the last
denominator), then Lawson's reweighting towards the minimax relative error, all in 60-digit
arithmetic (mpmath). Prints the worst relative error on the nodes (7.4e-17) and the
coefficients of y⁰…y⁷ and y⁰…y⁸.

    python3 scripts/fit-normal-tail.py        # needs mpmath (pip install mpmath)
"""
import mpmath as mp

mp.mp.dps = 60
N_NUM, N_DEN, NODES, PASSES = 7, 8, 400, 40
B = mp.sqrt(32)


def r(y):
    return mp.ncdf(-y) * mp.exp(y * y / 2)


ys = [B / 2 + B / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / NODES) for k in range(NODES)]
ts = [y / B for y in ys]  # fitted in t = y/√32 for conditioning
fs = [r(y) for y in ys]
weights = [mp.mpf(1)] * NODES
last_den = [mp.mpf(1)] * NODES
half = mp.mpf(1) / 2

for it in range(PASSES):
    rows, rhs = [], []
    for t, f, d, w in zip(ts, fs, last_den, weights):
        s = mp.sqrt(w) / (d * f)  # relative error, linearised by the last denominator
        rows.append([t**i * s for i in range(1, N_NUM + 1)] + [-f * t**j * s for j in range(1, N_DEN + 1)])
        rhs.append((f - half) * s)
    sol = mp.qr_solve(mp.matrix(rows), mp.matrix(rhs))[0]
    p = [half] + [sol[i] for i in range(N_NUM)]
    q = [mp.mpf(1)] + [sol[N_NUM + j] for j in range(N_DEN)]
    num = lambda t: sum(c * t**i for i, c in enumerate(p))
    den = lambda t: sum(c * t**i for i, c in enumerate(q))
    errors = [(num(t) / den(t) - f) / f for t, f in zip(ts, fs)]
    last_den = [den(t) for t in ts]
    if it >= 8:  # Lawson: weight each node by its share of the error
        total = sum(w * abs(e) for w, e in zip(weights, errors))
        weights = [w * abs(e) / total * NODES for w, e in zip(weights, errors)]

print('worst relative error on the nodes:', mp.nstr(max(abs(e) for e in errors), 3))
print('numerator   (y^0..y^7):', [mp.nstr(c / B**i, 22) for i, c in enumerate(p)])
print('denominator (y^0..y^8):', [mp.nstr(c / B**j, 22) for j, c in enumerate(q)])
