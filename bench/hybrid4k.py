#!/usr/bin/python3
"""Hybrid 4 KB models: an exact feature table + hashed buckets, and other ways to spend 4096 bytes.

    /usr/bin/python3 bench/hybrid4k.py DATA.npz VARIANT[,VARIANT...] [--C 1,3,10] [--out results.jsonl]

DATA.npz from bench/hybrid4k_feats.py (exact tinytext 4K feature hashes of the 80% training split).
5-fold stratified CV (numpy seed 0, bench/cv.py's folds); logistic regression (liblinear, L2) on
sqrt-pooled counts (count / sqrt(n + 1); the +1 and one constant column = tinytext's text row).
Selection of exact-table entries uses the training folds only. Each result: per-fold AUC with float
weights, int8 weights (one scale over all stored weights; and one scale per part), and for the
packed-bucket variants the weights at their stored bit width.

Variant names (bytes = stored parameter bytes, the text row and bias not counted, as for tinytext):
  hash:B                 B buckets, 1 byte each
  full                   unhashed (every distinct feature its own weight) - reference
  ex:E:KEY:MISS:SEL      exact table of E features + hashed buckets on the remaining bytes
      KEY  s16  sorted array of 16-bit keys (hash >> 16), 3 B/entry, binary search (false hits simulated)
           o16  open addressing, 16-bit fingerprint, load 0.8, 3 B/slot
           o8   open addressing, 8-bit fingerprint, load 0.8, 2 B/slot
           ideal  no false hits, 3 B/entry (upper bound)
      MISS excl (hits only in the table), both (hits also hashed), drop (misses dropped: no buckets)
      SEL  wdf (|w| sqrt(df), L2-LR on unhashed features), w (|w|), nb (|NB ratio| sqrt(df))
      optional 6th field: scale of the exact columns (L2 on them x 1/scale^2; default 1)
           g8 / g16  4-way set-associative groups, 8/16-bit fingerprint, load 0.8 (fixed 4 compares)
      optional 7th field: bits per bucket weight (default 8)
      optional 8th field: bits per exact weight (default 8; g8/g16 tables count fingerprint + weight bits)
  q:BITS                 bucket weights packed at BITS bits: B = 4032 * 8 / BITS buckets
  bloom:B:M:K:N[:SEL]    Bloom filter of M bits, K probes, admitting the N top (SEL, default wdf) features; only
                         admitted features reach B buckets (B + M/8 bytes)
"""
import argparse, json, sys, time
import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

NB_BETA = 0.0
ADAROUND = False
BUDGET = 4032  # tinytext's 4K model: 4032 one-byte buckets (the rest of 4096 is header)


def load(path):
    d = np.load(path)
    h, offs, y = d["hashes"], d["offsets"], d["y"].astype(int)
    vocab, inv = np.unique(h, return_inverse=True)
    n = len(offs) - 1
    rows = np.repeat(np.arange(n), np.diff(offs))
    X = sp.csr_matrix((np.ones(len(h)), (rows, inv)), shape=(n, len(vocab)))
    X.sum_duplicates()
    cnt = np.diff(offs).astype(float) + 1.0  # + text row
    return X, vocab.astype(np.uint64), cnt, y


def folds(y, k=5, seed=0):
    rng = np.random.RandomState(seed)
    fold = np.zeros(len(y), dtype=int)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    return fold


def bucket(v, B):
    return ((v * np.uint64(B)) >> np.uint64(32)).astype(np.int64)


def design(X, cnt, cols, P):
    """X (counts over vocab) -> pooled design matrix over P parameters; cols[v] = param or -1."""
    keep = np.flatnonzero(cols >= 0)
    M = sp.csr_matrix((np.ones(len(keep)), (keep, cols[keep])), shape=(X.shape[1], P))
    Z = (X @ M).tocsr()
    Z = sp.diags(1.0 / np.sqrt(cnt)) @ Z
    tr = sp.csr_matrix((1.0 / np.sqrt(cnt))[:, None])
    return sp.hstack([Z, tr]).tocsr()


def design2(X, cnt, cols_a, cols_b, P):
    """Each vocab item may map to two params (exact entry and bucket)."""
    mats = []
    for cols in (cols_a, cols_b):
        keep = np.flatnonzero(cols >= 0)
        mats.append(sp.csr_matrix((np.ones(len(keep)), (keep, cols[keep])), shape=(X.shape[1], P)))
    Z = (X @ (mats[0] + mats[1])).tocsr()
    Z = sp.diags(1.0 / np.sqrt(cnt)) @ Z
    tr = sp.csr_matrix((1.0 / np.sqrt(cnt))[:, None])
    return sp.hstack([Z, tr]).tocsr()


def fit(Z, y, C, penalty="l2"):
    m = LogisticRegression(C=C, solver="liblinear", penalty=penalty, max_iter=300, tol=1e-4)
    m.fit(Z, y)
    return m.coef_.ravel().copy(), float(m.intercept_[0])


def quant(w, bits, scale=None):
    q = (1 << (bits - 1)) - 1
    if scale is None:
        scale = np.abs(w).max() / q if np.abs(w).max() > 0 else 1.0
    return np.clip(np.round(w / scale), -q - 1, q) * scale


def quant_mse(w, bits):
    """Uniform symmetric grid, clip chosen to minimise squared error (training weights only)."""
    q = (1 << (bits - 1)) - 1
    amax = np.abs(w).max()
    best = None
    for f in np.linspace(0.05, 1.0, 60):
        s = amax * f / q
        e = ((quant(w, bits, s) - w) ** 2).sum()
        if best is None or e < best[0]:
            best = (e, s)
    return quant(w, bits, best[1]), best[1]


def quant_h(w, bits, h):
    """Uniform grid, scale minimising the diagonal-Hessian-weighted error sum h (q - w)^2."""
    q = (1 << (bits - 1)) - 1
    amax = np.abs(w).max()
    best = None
    for f in np.linspace(0.05, 1.0, 60):
        sc = amax * f / q
        e = (h * (quant(w, bits, sc) - w) ** 2).sum()
        if best is None or e < best[0]:
            best = (e, sc)
    return best[1]


def codebook_km(w, bits, h, iters=30):
    """Weighted 1-D k-means codebook of 2^bits levels (stored as int8 x one scale: 2^bits bytes)."""
    L = 1 << bits
    hw = h + 1e-12
    c = np.quantile(w, (np.arange(L) + 0.5) / L)
    for _ in range(iters):
        a = np.abs(w[:, None] - c[None, :]).argmin(1)
        for k in range(L):
            m = a == k
            if m.any():
                c[k] = (hw[m] * w[m]).sum() / hw[m].sum()
    c = quant(c, 8)  # the codebook itself is int8
    return c


def adaround(Ztr, ytr, w, b, levels, C, pen, passes=2, j0=0):
    """Coordinate descent over the stored levels on the L2-regularised training log-loss
    (liblinear's objective: C * sum loss + w.w / 2); w[:-1] are the stored weights (levels is the
    sorted array of allowed values), the last (text row) and b stay float; w[:j0] (exact entries,
    already int8) stay as given."""
    Zc = Ztr.tocsc()
    P = len(w) - 1
    yy = 2.0 * ytr - 1.0
    idx = np.zeros(P, dtype=np.int64)
    idx[j0:] = np.abs(w[j0:P, None] - levels[None, :]).argmin(1)
    wq = w.copy(); wq[j0:P] = levels[idx[j0:]]
    m = Ztr @ wq + b
    for _ in range(passes):
        changed = 0
        for j in range(j0, P):
            lo, hi = Zc.indptr[j], Zc.indptr[j + 1]
            if lo == hi:
                continue
            rows = Zc.indices[lo:hi]; v = Zc.data[lo:hi]
            mj = m[rows]; yj = yy[rows]
            cur = idx[j]
            best_k, best_obj = cur, None
            for k in (cur - 1, cur, cur + 1):
                if k < 0 or k >= len(levels):
                    continue
                d = levels[k] - wq[j]
                obj = C * np.logaddexp(0, -yj * (mj + d * v)).sum() + 0.5 * (levels[k] / pen[j]) ** 2
                if best_obj is None or obj < best_obj - 1e-12:
                    best_obj, best_k = obj, k
            if best_k != cur:
                d = levels[best_k] - wq[j]
                m[rows] += d * v
                wq[j] = levels[best_k]; idx[j] = best_k; changed += 1
        if not changed:
            break
    obj = C * np.logaddexp(0, -yy * m).sum() + 0.5 * ((wq[:P] / pen) ** 2).sum()
    return wq, obj


# ---- selection scores (training rows only) ----

def sel_scores(Xtr, cnt_tr, ytr, how, C_full):
    df = np.asarray((Xtr > 0).sum(0)).ravel()
    if how == "nb":
        pos = np.asarray((Xtr[ytr == 1] > 0).sum(0)).ravel() + 1.0
        neg = np.asarray((Xtr[ytr == 0] > 0).sum(0)).ravel() + 1.0
        r = np.log(pos / pos.sum()) - np.log(neg / neg.sum())
        return np.abs(r) * np.sqrt(df)
    V = Xtr.shape[1]
    Z = design(Xtr, cnt_tr, np.arange(V), V)
    w, _ = fit(Z, ytr, C_full)
    w = w[:V]
    if how == "w":
        return np.abs(w)
    return np.abs(w) * np.sqrt(df)


def table_lookup(vocab, sel_idx, key, E, ebits=8):
    """Device semantics: exact-slot index per vocab item (or -1), number of stored entries, bytes."""
    V = len(vocab)
    hit = -np.ones(V, dtype=np.int64)
    if key == "ideal":
        hit[sel_idx] = np.arange(len(sel_idx))
        return hit, len(sel_idx), 3 * len(sel_idx)
    if key == "s16":
        k = (vocab >> np.uint64(16)).astype(np.int64)
        keys = np.unique(k[sel_idx])  # duplicate keys merge into one entry
        pos = np.searchsorted(keys, k)
        pos = np.minimum(pos, len(keys) - 1)
        ok = keys[pos] == k
        hit[ok] = pos[ok]
        return hit, len(keys), 3 * len(keys)
    if key in ("o16", "o8"):
        fb = 16 if key == "o16" else 8
        M = int(np.ceil(len(sel_idx) / 0.8))
        home = bucket(vocab, M)
        fp = (vocab & np.uint64((1 << fb) - 1)).astype(np.int64)
        slot_fp = -np.ones(M, dtype=np.int64)
        slot_id = -np.ones(M, dtype=np.int64)
        nxt = 0
        for v in sel_idx:  # insert, linear probing; an equal fingerprint on the probe path merges
            s = home[v]
            while slot_fp[s] >= 0 and slot_fp[s] != fp[v]:
                s = (s + 1) % M
            if slot_fp[s] < 0:
                slot_fp[s] = fp[v]
                slot_id[s] = nxt
                nxt += 1
        # query every vocab item: probe from home until empty slot or fp match
        s = home.copy()
        active = np.ones(V, dtype=bool)
        for _ in range(M):
            a = np.flatnonzero(active)
            if len(a) == 0:
                break
            sf = slot_fp[s[a]]
            empty = sf < 0
            match = sf == fp[a]
            hit[a[match]] = slot_id[s[a[match]]]
            active[a[empty | match]] = False
            s[a] = (s[a] + 1) % M
        return hit, nxt, (3 if fb == 16 else 2) * M
    if key in ("g8", "g16"):
        # 4-way set-associative: ceil(E / 0.8 / 4) groups of 4 slots; the home group from the hash's
        # high bits (multiply-shift), fingerprint = low bits; a feature whose group is full is
        # skipped and the next-ranked one tried (so exactly E stored when possible); lookup = the
        # 4 fingerprints of one group, fixed cost, first match wins.
        fb = 16 if key == "g16" else 8
        G = int(np.ceil(E / 0.8 / 4))
        grp = bucket(vocab, G)
        fp = (vocab & np.uint64((1 << fb) - 1)).astype(np.int64)
        table = {}
        fill = np.zeros(G, dtype=np.int64)
        nxt = 0
        for v in sel_idx:
            if nxt >= E:
                break
            g = grp[v]
            if (g, fp[v]) in table or fill[g] >= 4:
                continue
            table[(g, fp[v])] = nxt; fill[g] += 1; nxt += 1
        gl, fl = grp.tolist(), fp.tolist()
        for i in range(V):
            t = table.get((gl[i], fl[i]))
            if t is not None:
                hit[i] = t
        slot_bytes = (fb + ebits) / 8.0
        return hit, nxt, int(np.ceil(4 * G * slot_bytes))
    raise ValueError(key)


def run_variant(name, X, vocab, cnt, y, fold, Cs, C_full):
    parts = name.split(":")
    res = {C: {"f": [], "q8": [], "q8p": [], "qb": [], "qh": [], "qkm": [], "qar": [], "qar2": []} for C in Cs}
    info = {}
    for f in range(5):
        tr, te = fold != f, fold == f
        Xtr, Xte = X[tr], X[te]
        V = len(vocab)
        bits = 8
        nexact = 0
        ebits = 8
        exscale = 1.0
        two = None
        if parts[0] == "hash":
            B = int(parts[1]); P = B
            cols = bucket(vocab, B)
            info["bytes"] = B
        elif parts[0] == "full":
            P = V; cols = np.arange(V); info["bytes"] = V
        elif parts[0] == "q":
            bits = int(parts[1]); B = BUDGET * 8 // bits; P = B
            cols = bucket(vocab, B); info["bytes"] = B * bits // 8
        elif parts[0] in ("ex", "bloom"):
            sc = sel_scores(Xtr, cnt[tr], y[tr], parts[4] if parts[0] == "ex" else (parts[5] if len(parts) > 5 else "wdf"), C_full)
            order = np.argsort(-sc, kind="stable")
            if parts[0] == "bloom":
                B, Mb, K, N = map(int, parts[1:5])
                adm = np.zeros(V, dtype=bool)
                bitsarr = np.zeros(Mb, dtype=bool)
                probes = [bucket((vocab * np.uint64(2654435761 + 2 * i) + np.uint64(i * 40503)) & np.uint64(0xFFFFFFFF), Mb)
                          for i in range(K)]
                for p in probes:
                    bitsarr[p[order[:N]]] = True
                adm = np.all([bitsarr[p] for p in probes], axis=0)
                cols = np.where(adm, bucket(vocab, B), -1); P = B
                info["bytes"] = B + Mb // 8
                info.setdefault("admitted_frac", []).append(float(adm.mean()))
            else:
                E = int(parts[1]); key = parts[2]; miss = parts[3]
                exscale = float(parts[5]) if len(parts) > 5 else 1.0
                bits = int(parts[6]) if len(parts) > 6 else 8
                ebits = int(parts[7]) if len(parts) > 7 else 8
                cand = order if key in ("g8", "g16") else order[:E]
                hit, nent, tbytes = table_lookup(vocab, cand, key, E, ebits)
                nexact = nent
                B = max(BUDGET - tbytes, 0) * 8 // bits if miss != "drop" else 0
                P = nent + B
                bcol = np.where(True, nent + bucket(vocab, B), -1) if B > 0 else -np.ones(V, dtype=np.int64)
                if miss == "excl":
                    cols = np.where(hit >= 0, hit, bcol)
                elif miss == "drop":
                    cols = hit
                elif miss == "both":
                    cols = hit; two = bcol
                info["bytes"] = tbytes + B * bits // 8
                info["B"] = B
                info.setdefault("entries", []).append(nent)
                info.setdefault("false_hit_frac", []).append(
                    float(((hit >= 0).sum() - min(E, V)) / max(V - E, 1)))
        else:
            raise ValueError(name)
        if two is None:
            Z = design(X, cnt, cols, P)
        else:
            Z = design2(X, cnt, cols, two, P)
        Ztr, Zte = Z[tr], Z[te]
        Zraw_te = Zte
        s = np.ones(P + 1)
        if NB_BETA > 0:  # tinytext's NB scale per parameter (presence counts, training rows only)
            pres = (Ztr[:, :P] > 0).astype(float)
            pos = np.asarray(pres[y[tr] == 1].sum(0)).ravel() + 1.0
            neg = np.asarray(pres[y[tr] == 0].sum(0)).ravel() + 1.0
            r = np.abs(np.log(pos / pos.sum()) - np.log(neg / neg.sum()))
            s[:P] = (1 - NB_BETA) + NB_BETA * r / r.mean()
        if nexact and exscale != 1.0:  # exact entries: own step/L2 scale (penalty 1 / exscale^2)
            s[:nexact] *= exscale
        D = sp.diags(s)
        Ztr, Zte = (Ztr @ D).tocsr(), (Zte @ D).tocsr()
        for C in Cs:
            w, b = fit(Ztr, y[tr], C)
            w = w * s  # stored weights; scored in the unscaled design

            def auc(wv):
                return roc_auc_score(y[te], Zraw_te @ wv + b)
            res[C]["f"].append(auc(w))
            wp = w.copy(); ws = w[:P]
            # int8, one scale over all stored weights (text row kept float like the bias)
            wp[:P] = quant(ws, 8); res[C]["q8"].append(auc(wp))
            if nexact and P > nexact:
                wq = w.copy(); wq[:nexact] = quant(w[:nexact], 8); wq[nexact:P] = quant(w[nexact:P], 8)
                res[C]["q8p"].append(auc(wq))
            if (bits != 8 or ebits != 8) and nexact:  # exact entries at ebits, buckets at `bits`
                wq = w.copy(); wq[:nexact] = quant_mse(w[:nexact], ebits)[0] if ebits != 8 else quant(w[:nexact], 8)
                sc_mse = None
                if P > nexact:
                    if bits != 8:
                        wq[nexact:P], sc_mse = quant_mse(w[nexact:P], bits)
                    else:
                        wq[nexact:P] = quant(w[nexact:P], 8)
                res[C]["qb"].append(auc(wq))
                if ADAROUND and sc_mse is not None:
                    qmax = (1 << (bits - 1)) - 1
                    levels = np.arange(-qmax - 1, qmax + 1) * sc_mse
                    wq, _ = adaround(Z[tr], y[tr], wq, b, levels, C, s[:P], j0=nexact)
                    res[C]["qar"].append(auc(wq))
            elif bits != 8:
                wq = w.copy(); wq[:P], sc_mse = quant_mse(ws, bits); res[C]["qb"].append(auc(wq))
                # diagonal Hessian of the training loss per stored weight (unscaled design)
                Zr_tr = Z[tr]
                pr = 1 / (1 + np.exp(-(Zr_tr @ w + b)))
                hdiag = np.asarray(Zr_tr.multiply(Zr_tr).T @ (pr * (1 - pr))).ravel()[:P]
                sc = quant_h(ws, bits, hdiag)
                wq = w.copy(); wq[:P] = quant(ws, bits, sc); res[C]["qh"].append(auc(wq))
                cb = codebook_km(ws, bits, hdiag)
                wq = w.copy(); wq[:P] = cb[np.abs(ws[:, None] - cb[None, :]).argmin(1)]
                res[C]["qkm"].append(auc(wq))
                if ADAROUND:
                    qmax = (1 << (bits - 1)) - 1
                    levels = np.arange(-qmax - 1, qmax + 1) * sc_mse
                    # the fit's objective: C sum loss + |w / s|^2 / 2 (s = NB scale)
                    pen = s[:P]
                    wq, _ = adaround(Zr_tr, y[tr], w, b, levels, C, pen); res[C]["qar"].append(auc(wq))
                    if ADAROUND > 1:  # also pick the grid's scale by the training objective after rounding
                        best = None
                        for fs in (0.7, 0.85, 1.0, 1.2, 1.45):
                            lv = np.arange(-qmax - 1, qmax + 1) * sc_mse * fs
                            wq, obj = adaround(Zr_tr, y[tr], w, b, lv, C, pen, passes=3)
                            if best is None or obj < best[0]:
                                best = (obj, wq, fs)
                        res[C]["qar2"].append(auc(best[1]))
                        info.setdefault("qar2_scale", []).append(best[2])
    out = []
    for C in Cs:
        r = {"variant": name, "C": C}
        r.update({k: v for k, v in info.items()})
        for k, v in res[C].items():
            if v:
                r[k] = float(np.mean(v)); r[k + "_folds"] = [round(x, 4) for x in v]
        out.append(r)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("variants")
    ap.add_argument("--C", default="1,3,10")
    ap.add_argument("--C-full", type=float, default=10.0, help="C of the unhashed selector model")
    ap.add_argument("--out", default="")
    ap.add_argument("--fold-seed", type=int, default=0, help="numpy seed of the folds (0 = bench/cv.py's)")
    ap.add_argument("--nb", type=float, default=0.0, help="NB scale beta (tinytext default 0.25)")
    ap.add_argument("--adaround", type=int, default=0,
                    help="low-bit variants: 1 = coordinate-descent rounding, 2 = also over 5 grid scales")
    a = ap.parse_args()
    global NB_BETA, ADAROUND
    NB_BETA = a.nb
    ADAROUND = a.adaround
    X, vocab, cnt, y = load(a.data)
    fold = folds(y, seed=a.fold_seed)
    Cs = [float(c) for c in a.C.split(",")]
    for v in a.variants.split(","):
        t = time.time()
        for r in run_variant(v, X, vocab, cnt, y, fold, Cs, a.C_full):
            r["data"] = a.data
            r["fold_seed"] = a.fold_seed
            r["C_full"] = a.C_full
            r["nb"] = a.nb
            r["secs"] = round(time.time() - t, 1)
            line = json.dumps(r)
            print("%-28s C=%-5g f=%.4f q8=%.4f%s%s bytes=%s  %s" % (
                v, r["C"], r["f"], r["q8"], (" q8p=%.4f" % r["q8p"]) if "q8p" in r else "",
                "".join(" %s=%.4f" % (k, r[k]) for k in ("qb", "qh", "qkm", "qar", "qar2") if k in r), r.get("bytes"), r["f_folds"]), flush=True)
            if a.out:
                with open(a.out, "a") as fh:
                    fh.write(line + "\n")


if __name__ == "__main__":
    main()
