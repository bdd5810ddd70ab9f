"""A/B testing: Bayesian analysis of variants, planning (sample size, duration) and checks.

>>> import cxlib as cx
>>> cx.ab.sample_size(baseline=0.05, mde=0.10).n_control
31234
"""

from .bayes import BayesianComparison, MeanSummary, bayesian_means, bayesian_proportions
from .planning import (
    CORRECTIONS,
    PVALUE_ADJUSTMENTS,
    SAMPLE_SIZE_METHODS,
    Correction,
    PValueAdjustment,
    SampleSize,
    SampleSizeMethod,
    SRMResult,
    adjust_pvalues,
    duration,
    minimum_detectable_effect,
    power,
    sample_size,
    srm,
)

__all__ = [
    "CORRECTIONS",
    "PVALUE_ADJUSTMENTS",
    "SAMPLE_SIZE_METHODS",
    "BayesianComparison",
    "Correction",
    "MeanSummary",
    "PValueAdjustment",
    "SRMResult",
    "SampleSize",
    "SampleSizeMethod",
    "adjust_pvalues",
    "bayesian_means",
    "bayesian_proportions",
    "duration",
    "minimum_detectable_effect",
    "power",
    "sample_size",
    "srm",
]
