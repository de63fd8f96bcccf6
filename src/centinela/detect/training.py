"""Refit the attribution model on reviewers' verdicts: the lifecycle's ``verified_mining`` (mining) and
``verified_other`` / ``false_positive`` (not mining) become labels, each alert's stored ``evidence`` the lines
of :mod:`.attribution`, and a logistic regression fits the prior and one weight per line.

The fit is pulled towards the published figures (weights 1, prior 0) by a Gaussian penalty, so a few dozen
verdicts adjust the model instead of replacing it; how much the refit helps is measured by k-fold
cross-validation on the verdicts themselves (each fold scored by a model fitted without it), next to the
model it replaces.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml
from scipy import optimize

from ..errors import InputError
from .attribution import LINES, Model, evidence_frame, lines

MIN_EACH = 5  # verdicts of each kind needed before a refit means anything


@dataclass(frozen=True)
class Scores:
    n: int
    log_loss: float
    brier: float
    accuracy: float  # cause right at the 0.5 cut


def _design(verdicts: pd.DataFrame, model: Model) -> tuple[np.ndarray, np.ndarray]:
    patches = evidence_frame(verdicts.evidence)
    x = lines(patches, model).to_numpy(float)
    y = (verdicts.verdict == "verified_mining").to_numpy(float)
    return x, y


def _fit(x: np.ndarray, y: np.ndarray, strength: float) -> np.ndarray:
    """[prior, weights…] maximising the likelihood minus strength/2 · ‖(prior, weights) − (0, 1…)‖²."""
    anchor = np.concatenate([[0.0], np.ones(x.shape[1])])
    xx = np.column_stack([np.ones(len(x)), x])

    def loss(b):
        z = xx @ b
        nll = np.sum(np.logaddexp(0, z) - y * z)
        return nll + 0.5 * strength * np.sum((b - anchor) ** 2)

    def grad(b):
        p = 1 / (1 + np.exp(-(xx @ b)))
        return xx.T @ (p - y) + strength * (b - anchor)

    return optimize.minimize(loss, anchor, jac=grad, method="L-BFGS-B").x


def _scores(p: np.ndarray, y: np.ndarray) -> Scores:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return Scores(
        len(y),
        float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        float(np.mean((p - y) ** 2)),
        float(np.mean((p >= 0.5) == (y == 1))),
    )


def _predict(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(b[0] + x @ b[1:])))


def train(
    verdicts: pd.DataFrame, base: Model, strength: float = 1.0, folds: int = 5, seed: int = 0
) -> tuple[Model, Scores, Scores]:
    """(refitted model, cross-validated scores of the refit, scores of ``base`` on the same verdicts)."""
    v = verdicts[verdicts.evidence.notna() & (verdicts.evidence != "")]
    x, y = _design(v, base)
    n_yes, n_no = int(y.sum()), int(len(y) - y.sum())
    if n_yes < MIN_EACH or n_no < MIN_EACH:
        raise InputError(
            f"{n_yes} alert(s) verified as mining and {n_no} as not mining carry detection evidence; at least "
            f"{MIN_EACH} of each are needed to refit the attribution model (review more alerts in the field)"
        )
    base_b = np.concatenate([[base.prior], [base.weights[k] for k in LINES]])
    order = np.random.default_rng(seed).permutation(len(y))
    held = np.empty(len(y))
    for k in range(folds):
        test = order[k::folds]
        train_ = np.setdiff1d(order, test)
        held[test] = _predict(x[test], _fit(x[train_], y[train_], strength))
    b = _fit(x, y, strength)
    model = Model(
        prior=float(b[0]),
        weights={k: float(w) for k, w in zip(LINES, b[1:], strict=True)},
        figures=base.figures,
        source="refitted",
        trained_on={
            "verdicts": len(y),
            "verified_mining": n_yes,
            "not_mining": n_no,
            "by": sorted(set(v.by)),
            "areas": sorted({a for a in v.area_name if isinstance(a, str)}),
            "fitted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "penalty_strength": strength,
        },
    )
    return model, _scores(held, y), _scores(_predict(x, base_b), y)


def write_model(model: Model, path, scores: Scores | None = None, before: Scores | None = None) -> None:
    """The model as YAML (what :func:`.attribution.load_model` reads), with its training record."""
    doc = {
        "prior": round(model.prior, 4),
        "weights": {k: round(v, 4) for k, v in model.weights.items()},
        "trained_on": model.trained_on
        | (
            {
                "cross_validated": vars(scores) if scores else None,
                "previous_model_on_same_verdicts": vars(before) if before else None,
            }
        ),
        "figures": model.figures,
    }
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(doc, f, sort_keys=False, allow_unicode=True)
