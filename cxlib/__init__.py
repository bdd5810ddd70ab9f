"""cxlib: customer-experience analytics with honest confidence intervals.

Survey indices (the Net Promoter Score, CSAT, CES, the Customer Loyalty Index, the
Secure Customer Index and an engagement index), each with analytic and bootstrap
confidence intervals, per-group results on pandas DataFrames and survey weights.

>>> import cxlib as cx
>>> cx.nps([10, 9, 9, 7, 3]).value
40.0
"""

from . import ab, datasets
from ._version import __version__
from .accessor import CxAccessor
from .core.compare import compare_estimates
from .core.errors import (
    CoverageWarning,
    CxlibDeprecationWarning,
    CxlibWarning,
    DegenerateDataWarning,
    PrecisionWarning,
)
from .core.files import read
from .core.results import Comparison, ConfidenceInterval, Estimate
from .orders.cohorts import cohort_retention, cohort_table
from .orders.purchases import average_order_value, guest_checkout_rate
from .orders.repeat_purchases import purchase_frequency, repeat_purchase_rate
from .orders.repurchase import repurchase_rate, upsell_rate
from .orders.retention import churn_rate, retention_rate
from .orders.rfm import rfm_calibration_holdout, rfm_summary
from .orders.rfm_scores import RFM_SEGMENTS, RFMSegment, rfm_scores
from .orders.segments import compare_segments
from .survey.ces import ces
from .survey.commitment import COMMITMENT_DIMENSIONS, CommitmentProfile, commitment_profile
from .survey.csat import csat
from .survey.drivers import driver_difference, key_drivers
from .survey.engagement import ENGAGEMENT_ITEMS, engagement_index
from .survey.loyalty import loyalty_index
from .survey.nps import nps, nps_difference
from .survey.reliability import cronbach_alpha, item_analysis
from .survey.scales import NPS_SCALES, NPSScale
from .survey.secure import SCI_SEGMENTS, secure_customer_index

__all__ = [
    "COMMITMENT_DIMENSIONS",
    "ENGAGEMENT_ITEMS",
    "NPS_SCALES",
    "RFM_SEGMENTS",
    "SCI_SEGMENTS",
    "CommitmentProfile",
    "Comparison",
    "ConfidenceInterval",
    "CoverageWarning",
    "CxAccessor",
    "CxlibDeprecationWarning",
    "CxlibWarning",
    "DegenerateDataWarning",
    "Estimate",
    "NPSScale",
    "PrecisionWarning",
    "RFMSegment",
    "__version__",
    "ab",
    "average_order_value",
    "ces",
    "churn_rate",
    "cohort_retention",
    "cohort_table",
    "commitment_profile",
    "compare_estimates",
    "compare_segments",
    "cronbach_alpha",
    "csat",
    "datasets",
    "driver_difference",
    "engagement_index",
    "guest_checkout_rate",
    "item_analysis",
    "key_drivers",
    "loyalty_index",
    "nps",
    "nps_difference",
    "purchase_frequency",
    "read",
    "repeat_purchase_rate",
    "repurchase_rate",
    "retention_rate",
    "rfm_calibration_holdout",
    "rfm_scores",
    "rfm_summary",
    "secure_customer_index",
    "upsell_rate",
]
