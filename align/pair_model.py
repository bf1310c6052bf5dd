"""The model that chooses a parenthesis' reading and says how likely it is right.

A small classifier over :data:`align.features.FEATURES` (gradient-boosted trees or logistic
regression from scikit-learn, trained by ``benchmarks/train_pair_model.py`` on the tuning
part of the dev corpus), shipped as JSON data in ``align/data/pair_model.json``: no pickle,
no scikit-learn at run time. A second stage (logistic regression) weighs the best reading's
score against its rival's; its output is calibrated (Platt scaling, stored as points) on
out-of-fold predictions (folds by source), so ``confidence`` is the share of pairs right
among those given that confidence on text the model was not trained on.
"""

from __future__ import annotations

import bisect
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .features import FEATURES

MODEL_FILE = "pair_model.json"


@dataclass(frozen=True, eq=False)
class PairModel:
    kind: str  # "trees" or "logistic"
    body: dict
    decision: dict  # the second stage: is the best reading right, given its margin over the next?
    calibration_x: tuple[float, ...]
    calibration_y: tuple[float, ...]
    min_confidence: float  # default threshold: expected precision 0.95 on the tuning part

    def raw_scores(self, rows: list[list[float]]) -> list[float]:
        """The model's probability before calibration, for many readings at once (one
        document's): every reading walks every tree together, one step per tree level."""
        if not rows:
            return []
        import numpy as np

        X = np.asarray(rows, dtype=np.float64)
        if self.kind == "logistic":
            body = self.body
            z = body["intercept"] + ((X - body["mean"]) / body["scale"]) @ np.asarray(body["coef"])
        else:
            feature, threshold, left, right, value, roots = _forest_arrays(self)
            node = np.broadcast_to(roots, (len(rows), len(roots))).copy()
            at = np.arange(len(rows))[:, None]
            while True:
                f = feature[node]
                inner = f >= 0
                if not inner.any():
                    break
                go_left = X[at, np.where(inner, f, 0)] <= threshold[node]
                node = np.where(inner, np.where(go_left, left[node], right[node]), node)
            z = self.body["baseline"] + value[node].sum(axis=1)
        return (1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))).tolist()

    def decision_score(self, raw: float, rival: float, features: list[float]) -> float:
        """Second stage: a logistic regression over the reading's score, its margin over the
        best rival reading (the margin criterion: a near tie means an uncertain boundary) and
        a few of its features."""
        x = decision_inputs(raw, rival, features)
        z = self.decision["intercept"]
        for v, m, s, w in zip(x, self.decision["mean"], self.decision["scale"], self.decision["coef"], strict=True):
            z += w * (v - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, raw: float, rival: float, features: list[float]) -> float:
        """Calibrated probability that the reading is right: linear between the
        calibration's points over the decision score."""
        return self._calibrate(self.decision_score(raw, rival, features))

    def _calibrate(self, raw: float) -> float:
        xs, ys = self.calibration_x, self.calibration_y
        if not xs:
            return raw
        i = bisect.bisect_left(xs, raw)
        if i <= 0:
            return ys[0]
        if i >= len(xs):
            return ys[-1]
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (raw - x0) / (x1 - x0)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


_DECISION_FEATURES = ("rule_exact", "rule_group", "readings", "support", "en_name_like", "en_acronym",
                      "shape=en(zh)", "shape=zh(en)", "shape=zh en", "shape=zh“en”", "en_year", "en_code_like")
DECISION_INPUTS = ("logit", "margin", *_DECISION_FEATURES)
_DECISION_AT = tuple(FEATURES.index(name) for name in _DECISION_FEATURES)


def decision_inputs(raw: float, rival: float, features: list[float]) -> list[float]:
    z = _logit(raw)
    return [z, min(z - _logit(rival), 12.0) if rival > 0 else 12.0, *(features[i] for i in _DECISION_AT)]


@lru_cache(maxsize=4)
def _forest_arrays(model: PairModel) -> tuple:
    """All trees as one set of node arrays (child indices made global) and their roots."""
    import numpy as np

    feature, threshold, left, right, value, roots = [], [], [], [], [], []
    offset = 0
    for t in model.body["trees"]:
        n = len(t["feature"])
        roots.append(offset)
        feature += t["feature"]
        threshold += t["threshold"]
        left += [offset + i for i in t["left"]]
        right += [offset + i for i in t["right"]]
        value += t["value"]
        offset += n
    return (np.asarray(feature), np.asarray(threshold), np.asarray(left), np.asarray(right),
            np.asarray(value), np.asarray(roots))


def model_from_dict(data: dict) -> PairModel:
    if tuple(data["features"]) != FEATURES:
        raise ValueError("pair model was trained on other features: retrain it (benchmarks/train_pair_model.py)")
    return PairModel(
        kind=data["kind"],
        body=data["body"],
        decision=data["decision"],
        calibration_x=tuple(data["calibration"]["x"]),
        calibration_y=tuple(data["calibration"]["y"]),
        min_confidence=data["min_confidence"],
    )


@lru_cache(maxsize=1)
def shipped_model() -> PairModel:
    """The model shipped in the package."""
    text = resources.files("align").joinpath("data", MODEL_FILE).read_text(encoding="utf-8")
    return model_from_dict(json.loads(text))
