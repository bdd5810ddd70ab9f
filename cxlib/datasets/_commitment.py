"""A generated survey of the five components of customer commitment and of loyalty."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import as_generator

_DIMENSIONS = ("affective", "normative", "economic", "forced", "habitual")

#: The three 1-7 items of each commitment dimension in :func:`make_commitment_survey`.
COMMITMENT_ITEMS: MappingProxyType[str, tuple[str, str, str]] = MappingProxyType(
    {d: (f"{d}_1", f"{d}_2", f"{d}_3") for d in _DIMENSIONS}
)
#: The reverse-keyed item (worded against its dimension: agreeing means less commitment).
COMMITMENT_REVERSED: tuple[str, ...] = ("normative_3",)

_ON_SATISFACTION = {
    "affective": 0.50,
    "normative": 0.15,
    "economic": 0.05,
    "forced": -0.20,
    "habitual": 0.0,
}
_ON_LOYALTY = {
    "satisfaction": 0.45,
    "affective": 0.30,
    "normative": 0.10,
    "economic": 0.10,
    "forced": -0.25,
    "habitual": 0.10,
}
#: The true coefficients of the generating model, on the standardised latent scale:
#: ``"satisfaction"``, of each commitment on satisfaction with the product's
#: performance; ``"loyalty"``, of satisfaction and each commitment on latent loyalty
#: (direct effects); ``"loyalty_total"``, of each commitment on loyalty through both
#: paths (direct plus through satisfaction), what a regression of loyalty on the five
#: commitments alone estimates.
COMMITMENT_MODEL: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "satisfaction": MappingProxyType(_ON_SATISFACTION),
        "loyalty": MappingProxyType(_ON_LOYALTY),
        "loyalty_total": MappingProxyType(
            {
                d: _ON_LOYALTY[d] + _ON_LOYALTY["satisfaction"] * _ON_SATISFACTION[d]
                for d in _DIMENSIONS
            }
        ),
    }
)

#: Customer segments of the generated survey: share of respondents and the shift of
#: their latent commitments (affective, normative, economic, forced, habitual).
COMMITMENT_SEGMENTS: MappingProxyType[str, tuple[float, tuple[float, ...]]] = MappingProxyType(
    {
        "enthusiast": (0.20, (0.8, 0.4, 0.0, -0.3, 0.1)),
        "rewards_member": (0.20, (0.1, 0.0, 0.9, 0.0, 0.2)),
        "captive": (0.15, (-0.4, -0.2, 0.0, 1.0, 0.2)),
        "routine": (0.15, (0.0, 0.0, 0.1, 0.1, 0.9)),
        "general": (0.30, (0.0, 0.0, 0.0, 0.0, 0.0)),
    }
)

# Correlations of the latent commitments within a segment.
_LATENT_CORRELATION = np.array(
    [
        [1.0, 0.5, 0.2, -0.2, 0.2],
        [0.5, 1.0, 0.2, -0.1, 0.1],
        [0.2, 0.2, 1.0, 0.2, 0.3],
        [-0.2, -0.1, 0.2, 1.0, 0.3],
        [0.2, 0.1, 0.3, 0.3, 1.0],
    ]
)
_LOADINGS = np.array([0.85, 0.80, 0.75])  # of the three items of every dimension


def _rate(
    latent: npt.NDArray[np.float64], low: int, high: int, centre: float, spread: float
) -> npt.NDArray[np.int64]:
    """Round a latent score onto an integer answer scale."""
    return np.clip(np.rint(centre + spread * latent), low, high).astype(np.int64)


def make_commitment_survey(
    n: int = 2_000,
    *,
    rng: int | np.random.Generator | None = None,
    missing_rate: float = 0.0,
) -> pd.DataFrame:
    """Generate a survey of customer commitment, satisfaction and loyalty.

    Five latent commitments (affective, normative, economic, forced, habitual) are
    normal with the correlations of a typical survey and a segment-specific mean
    (:data:`COMMITMENT_SEGMENTS`). They drive satisfaction with the product's
    performance and loyalty as the Rice University research describes: affective
    commitment lifts both most, satisfaction has the largest effect on loyalty, forced
    commitment lowers both. With the coefficients of :data:`COMMITMENT_MODEL`,

    - ``sat* = sum_d b_d * c_d + e_s`` (residual variance chosen so that ``sat*`` has
      variance 1 in the segment ``"general"``),
    - ``loyalty* = g * sat* + sum_d a_d * c_d + e_l`` (residual sd 0.6),

    and every answer rounds a noisy latent score onto its scale: each commitment item
    ``clip(round(4 + 1.25 * (l * c_d + sqrt(1 - l**2) * e)), 1, 7)`` with loadings
    ``l`` of 0.85, 0.80 and 0.75 (the reverse-keyed ``normative_3`` is ``8 -`` that);
    ``satisfaction`` (1-7) from ``sat*``; ``recommend`` (0-10) and ``repurchase`` (1-7)
    from ``loyalty*`` plus measurement noise.

    Parameters
    ----------
    n : int, default 2000
        Number of respondents.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same survey.
    missing_rate : float, default 0.0
        Probability that a respondent skipped any one commitment item.

    Returns
    -------
    pandas.DataFrame
        Columns ``respondent_id``; ``segment`` (categorical); the 15 commitment items
        of :data:`COMMITMENT_ITEMS` (1-7, 7 = strongly agree; nullable Int64 when
        ``missing_rate > 0``); ``satisfaction`` (1-7), ``recommend`` (likelihood to
        recommend, 0-10), ``repurchase`` (repurchase intention, 1-7); ``weight``
        (survey weight, mean 1).

    Examples
    --------
    >>> import cxlib as cx
    >>> survey = cx.datasets.make_commitment_survey(500, rng=1)
    >>> profile = cx.commitment_profile(
    ...     survey, cx.datasets.COMMITMENT_ITEMS, reverse=cx.datasets.COMMITMENT_REVERSED)
    >>> profile.summary[["dimension", "n_items", "n"]]
       dimension  n_items    n
    0  affective        3  500
    1  normative        3  500
    2   economic        3  500
    3     forced        3  500
    4   habitual        3  500
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    if not 0.0 <= missing_rate < 1.0:
        raise ValueError(f"missing_rate must be in [0, 1); got {missing_rate!r}")
    gen = as_generator(rng)
    names = list(COMMITMENT_SEGMENTS)
    shares = np.array([share for share, _ in COMMITMENT_SEGMENTS.values()])
    shifts = np.array([shift for _, shift in COMMITMENT_SEGMENTS.values()])
    segment = gen.choice(len(names), size=n, p=shares)
    chol = np.linalg.cholesky(_LATENT_CORRELATION)
    latent = shifts[segment] + gen.standard_normal((n, 5)) @ chol.T  # (n, dimensions)

    b = np.array([COMMITMENT_MODEL["satisfaction"][d] for d in _DIMENSIONS])
    explained = float(b @ _LATENT_CORRELATION @ b)
    sat = latent @ b + np.sqrt(1.0 - explained) * gen.standard_normal(n)
    direct = np.array([COMMITMENT_MODEL["loyalty"][d] for d in _DIMENSIONS])
    gamma = COMMITMENT_MODEL["loyalty"]["satisfaction"]
    loyalty = gamma * sat + latent @ direct + 0.6 * gen.standard_normal(n)

    items: dict[str, object] = {}
    noise = np.sqrt(1.0 - _LOADINGS**2)
    for d, dim in enumerate(_DIMENSIONS):
        for j, column in enumerate(COMMITMENT_ITEMS[dim]):
            answer = _rate(
                _LOADINGS[j] * latent[:, d] + noise[j] * gen.standard_normal(n), 1, 7, 4.0, 1.25
            )
            if column in COMMITMENT_REVERSED:
                answer = 8 - answer
            if missing_rate > 0.0:
                with_missing = pd.array(answer, dtype="Int64")
                with_missing[gen.random(n) < missing_rate] = pd.NA
                items[column] = with_missing
            else:
                items[column] = answer
    weight = gen.lognormal(0.0, 0.3, size=n)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "respondent_id": np.arange(1, n + 1),
            "segment": pd.Categorical.from_codes(segment, categories=pd.Index(names)),
            **items,
            "satisfaction": _rate(sat + 0.4 * gen.standard_normal(n), 1, 7, 5.0, 1.2),
            "recommend": _rate(loyalty + 0.4 * gen.standard_normal(n), 0, 10, 7.0, 1.8),
            "repurchase": _rate(loyalty + 0.5 * gen.standard_normal(n), 1, 7, 5.0, 1.1),
            "weight": weight / weight.mean(),
        }
    )
    return frame
