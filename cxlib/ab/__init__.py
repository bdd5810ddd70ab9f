"""A/B testing: lifts with intervals and tests, Bayesian analysis, planning and checks.

>>> import cxlib as cx
>>> cx.ab.sample_size(baseline=0.05, mde=0.10).n_control
31234
"""

from ..core.ratio_stats import RatioStats
from ..core.sufficient import MeanStats
from .bayes import BayesianComparison, MeanSummary, bayesian_means, bayesian_proportions
from .checks import SRMResult, srm
from .cuped import CupedResult, cuped
from .cuped_stats import CUPED_METRICS, CupedMetric, CupedStats
from .decision import Decision, Guardrail, decide
from .frame import compare
from .group_sequential import (
    SPENDING_FUNCTIONS,
    GroupSequentialDesign,
    Spending,
    group_sequential,
)
from .interim import group_sequential_test
from .means import compare_means
from .metrics import Index, Mean, Proportion, Quantile, Ratio
from .multiplicity import PVALUE_ADJUSTMENTS, PValueAdjustment, adjust_pvalues
from .planning import (
    CORRECTIONS,
    SAMPLE_SIZE_METHODS,
    Correction,
    SampleSize,
    SampleSizeMethod,
    duration,
    sample_size,
)
from .proportions import PROPORTION_METHODS, ProportionMethod
from .quantiles import QUANTILE_METHODS, QuantileMethod, compare_quantiles
from .ratios import compare_ratios
from .segment_scan import SegmentScan, segment_scan
from .sensitivity import minimum_detectable_effect, power
from .two_arms import MEAN_METHODS, MeanMethod
from .two_proportions import compare_proportions

__all__ = [
    "CORRECTIONS",
    "CUPED_METRICS",
    "MEAN_METHODS",
    "PROPORTION_METHODS",
    "PVALUE_ADJUSTMENTS",
    "QUANTILE_METHODS",
    "SAMPLE_SIZE_METHODS",
    "SPENDING_FUNCTIONS",
    "BayesianComparison",
    "Correction",
    "CupedMetric",
    "CupedResult",
    "CupedStats",
    "Decision",
    "GroupSequentialDesign",
    "Guardrail",
    "Index",
    "Mean",
    "MeanMethod",
    "MeanStats",
    "MeanSummary",
    "PValueAdjustment",
    "Proportion",
    "ProportionMethod",
    "Quantile",
    "QuantileMethod",
    "Ratio",
    "RatioStats",
    "SRMResult",
    "SampleSize",
    "SampleSizeMethod",
    "SegmentScan",
    "Spending",
    "adjust_pvalues",
    "bayesian_means",
    "bayesian_proportions",
    "compare",
    "compare_means",
    "compare_proportions",
    "compare_quantiles",
    "compare_ratios",
    "cuped",
    "decide",
    "duration",
    "group_sequential",
    "group_sequential_test",
    "minimum_detectable_effect",
    "power",
    "sample_size",
    "segment_scan",
    "srm",
]
