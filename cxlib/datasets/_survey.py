"""A generated customer survey across journey touchpoints."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import as_generator

#: Further 1-5 items: would buy again, would recommend (5-point), delivers what it
#: promises, resolves problems fairly.
ENGAGEMENT_EXTRA = ("repurchase", "advocacy", "delivers_promise", "fair_resolution")

#: Touchpoints of the generated survey and the mean of their latent satisfaction.
TOUCHPOINTS: dict[str, float] = {
    "web": 0.15,
    "app": 0.45,
    "store": 0.30,
    "call_center": -0.35,
    "delivery": 0.05,
}


def _ordinal(
    latent: npt.NDArray[np.float64], low: int, high: int, centre: float, spread: float
) -> npt.NDArray[np.int64]:
    """Round a latent score onto an integer answer scale."""
    points = np.rint(centre + spread * latent)
    return np.clip(points, low, high).astype(np.int64)


def make_survey(
    n: int = 5_000,
    *,
    rng: int | np.random.Generator | None = None,
    missing_rate: float = 0.003,
) -> pd.DataFrame:
    """Generate a customer-experience survey, one row per respondent.

    Each respondent answered after one journey touchpoint. A latent satisfaction
    (normal, with a touchpoint-specific mean, see :data:`TOUCHPOINTS`) drives every
    answer, so the indices differ by touchpoint and correlate with each other.

    Parameters
    ----------
    n : int, default 5000
        Number of respondents.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same survey.
    missing_rate : float, default 0.003
        Probability that a respondent skipped the recommend question.

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id``; ``touchpoint`` (categorical); ``recommend``
        (likelihood to recommend, 0-10, nullable Int64 with missing answers);
        ``satisfaction`` (1-5); ``effort`` (ease, 1-7, 7 = very easy); ``weight``
        (survey weight, mean 1); the Customer Loyalty Index items
        ``loyalty_recommend``, ``loyalty_repurchase``, ``loyalty_other_products``
        (1-6, 1 = very likely); and the 1-5 items ``repurchase`` (would buy again),
        ``advocacy`` (would recommend), ``delivers_promise`` and ``fair_resolution``.
        Engagement index items: ``satisfaction``, ``repurchase``, ``recommend``
        (0-10), ``delivers_promise``, ``fair_resolution``; Secure Customer Index
        items: ``satisfaction``, ``repurchase``, ``advocacy``.

    Examples
    --------
    >>> import cxlib as cx
    >>> survey = cx.datasets.make_survey(1_000, rng=42)
    >>> list(survey.columns)[:6]
    ['respondent_id', 'touchpoint', 'recommend', 'satisfaction', 'effort', 'weight']
    >>> survey["recommend"].between(0, 10).all()
    np.True_
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate must be in [0, 1); got {missing_rate!r}")
    gen = as_generator(rng)
    names = list(TOUCHPOINTS)
    shares = np.array([0.30, 0.25, 0.15, 0.15, 0.15])
    tp = gen.choice(len(names), size=n, p=shares)
    latent = np.array(list(TOUCHPOINTS.values()))[tp] + gen.standard_normal(n)

    def noisy(scale: float) -> npt.NDArray[np.float64]:
        return latent + scale * gen.standard_normal(n)

    recommend = pd.array(_ordinal(noisy(0.6), 0, 10, 7.6, 1.9), dtype="Int64")
    recommend[gen.random(n) < missing_rate] = pd.NA
    weight = gen.lognormal(0.0, 0.35, size=n)
    # Loyalty-index items on 1-6, where 1 means "very likely".
    loyalty = {
        f"loyalty_{item}": _ordinal(-noisy(0.6), 1, 6, 2.3, 1.1)
        for item in ("recommend", "repurchase", "other_products")
    }
    # The other items of the engagement index and of the Secure Customer Index.
    extra = {item: _ordinal(noisy(0.6), 1, 5, 3.9, 0.9) for item in ENGAGEMENT_EXTRA}
    frame: pd.DataFrame = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1),
            "touchpoint": pd.Categorical.from_codes(tp, categories=pd.Index(names)),
            "recommend": recommend,
            "satisfaction": _ordinal(noisy(0.5), 1, 5, 3.8, 0.9),
            "effort": _ordinal(noisy(0.7), 1, 7, 5.2, 1.2),
            "weight": weight / weight.mean(),
            **loyalty,
            **extra,
        }
    )
    return frame
