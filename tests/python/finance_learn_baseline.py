"""The supervised baseline a data scientist would otherwise write: scikit-learn's
histogram gradient boosting on the same features `unchain finance learn` measured, with
the same time-based split, the same weighting of laundering payments and the same rule for
the threshold (the best F1 on the validation part), judged on the test part.

    unchain finance learn FILE --truth T --features features.csv --json learn.json
    .venv/bin/python tests/python/finance_learn_baseline.py features.csv [learn.json]

Prints, as JSON, scikit-learn's laundering F1 on the test part and, recomputed here with
scikit-learn's metrics from the scores the file carries, Unchain's threshold and F1 (when
learn.json is given, they are checked against what Unchain reported: the two
implementations of the split, the threshold rule and F1 must agree).
"""
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import f1_score, precision_recall_fscore_support

FIXED = ["id", "time", "part", "label", "score"]


def best_threshold(scores, labels):
    """The score with the best F1 when every score at or above it is flagged."""
    order = np.argsort(-scores, kind="stable")
    s, l = scores[order], labels[order]
    positives = l.sum()
    best, best_f1, tp, i = 1.0, 0.0, 0, 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            tp += l[j]
            j += 1
        f1 = 2 * tp / (j + positives) if j + positives else 0.0
        if f1 > best_f1:
            best, best_f1 = s[i], f1
        i = j
    return best


def main(path, reported=None):
    import csv

    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    names = header[len(FIXED):]
    part = np.array([r[2] for r in rows])
    y = np.array([int(r[3]) for r in rows])
    ours = np.array([float(r[4]) for r in rows])
    x = np.array([[float(v) for v in r[len(FIXED):]] for r in rows])
    train, valid, test = part == "train", part == "validation", part == "test"

    # Unchain's own scores, judged here.
    threshold = best_threshold(ours[valid], y[valid])
    our_f1 = f1_score(y[test], ours[test] >= threshold)

    # scikit-learn on the same features.
    positives = y[train].sum()
    weight = max((train.sum() - positives) / positives, 1.0)
    model = HistGradientBoostingClassifier(
        max_iter=100, learning_rate=0.1, max_depth=6, random_state=0
    )
    model.fit(x[train], y[train], sample_weight=np.where(y[train] == 1, weight, 1.0))
    theirs = model.predict_proba(x)[:, 1]
    their_threshold = best_threshold(theirs[valid], y[valid])
    p, r, f, _ = precision_recall_fscore_support(
        y[test], theirs[test] >= their_threshold, average="binary", zero_division=0
    )
    out = {
        "payments": len(rows),
        "features": len(names),
        "labelled": int(y.sum()),
        "unchain": {"threshold": float(threshold), "test_f1": float(our_f1)},
        "sklearn": {
            "threshold": float(their_threshold),
            "test_precision": float(p),
            "test_recall": float(r),
            "test_f1": float(f),
        },
    }
    if reported:
        with open(reported) as f:
            doc = json.load(f)
        said = doc["parts"]["test"]["f1"]
        out["unchain"]["reported_test_f1"] = said
        if abs(said - our_f1) > 1e-9 or abs(doc["threshold"] - threshold) > 1e-12:
            print(json.dumps(out, indent=2))
            sys.exit(f"Unchain reported F1 {said} at {doc['threshold']}; recomputed {our_f1} at {threshold}")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main(*sys.argv[1:3])
