"""Correlations with how many people stand behind them, and what they mean in words."""

from __future__ import annotations

import math
import warnings

from scipy import stats

#: Fewest people a correlation is computed for.
MIN_PEOPLE = 5

#: Below this size (|rho|), a relation is called little or none.
LITTLE = 0.1

#: A correlation whose p-value is this or more may be chance.
SIGNIFICANCE = 0.05


def correlate(xs: list[float], ys: list[float]) -> dict:
    """Return Pearson's r and Spearman's rho of paired values, with n and p-values.

    Fewer than MIN_PEOPLE pairs, or a side where everyone has the same value, gives None
    for the coefficients and says why.
    """
    n = len(xs)
    result = {"n": n, "pearson": None, "pearson_p": None, "spearman": None, "spearman_p": None}
    if n < MIN_PEOPLE:
        return {**result, "note": f"too few people ({n}; {MIN_PEOPLE} needed)"}
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return {**result, "note": "no variation: everyone has the same value"}
    with warnings.catch_warnings():
        # Ties and near-constant data warn; the figures are still the right ones to show.
        warnings.simplefilter("ignore")
        pearson = stats.pearsonr(xs, ys)
        spearman = stats.spearmanr(xs, ys)
    values = {
        "pearson": _round(pearson.statistic),
        "pearson_p": _round(pearson.pvalue),
        "spearman": _round(spearman.statistic),
        "spearman_p": _round(spearman.pvalue),
    }
    return {**result, **values, "note": strength(values["spearman"], values["spearman_p"])}


def strength(rho: float | None, p: float | None) -> str:
    """Describe a rank correlation in plain words."""
    if rho is None or p is None:
        return "not computed"
    if abs(rho) < LITTLE or p >= SIGNIFICANCE:
        return "little or no relation"
    size = "strong" if abs(rho) >= 0.5 else "moderate" if abs(rho) >= 0.3 else "weak"
    return f"{size} {'positive' if rho > 0 else 'negative'} relation"


def little_effect(result: dict) -> bool:
    """Tell whether a correlation shows little effect (small, uncertain or not computed)."""
    rho, p = result["spearman"], result["spearman_p"]
    return rho is None or p is None or abs(rho) < LITTLE or p >= SIGNIFICANCE


def _round(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)
