"""Axis labels of cxlib's metrics, with their units."""

from __future__ import annotations

__all__ = ["METRIC_LABELS", "metric_label"]

#: The axis label of each metric cxlib estimates (its ``metric`` column).
METRIC_LABELS: dict[str, str] = {
    "nps": "NPS (points)",
    "csat": "CSAT (% satisfied)",
    "ces": "CES (mean score)",
    "loyalty_index": "Loyalty index (0-100)",
    "engagement_index": "Engagement index (0-100)",
    "secure_customer_index": "Secure customers (%)",
    "affective_commitment": "Affective commitment (0-100)",
    "normative_commitment": "Normative commitment (0-100)",
    "economic_commitment": "Economic commitment (0-100)",
    "forced_commitment": "Forced commitment (0-100)",
    "habitual_commitment": "Habitual commitment (0-100)",
    "driver_difference": "Difference in importance (R²)",
    "conversion_rate": "Conversion rate",
    "average_order_value": "Average order value",
    "purchase_frequency": "Purchases per customer",
    "repeat_purchase_rate": "Repeat purchase rate (%)",
    "guest_checkout_rate": "Guest checkout rate (%)",
    "repurchase_rate": "Repurchase rate (%)",
    "upsell_rate": "Upsell rate (%)",
}


def metric_label(metric: str) -> str:
    """The axis label of ``metric``; the name itself for a metric without one."""
    return METRIC_LABELS.get(metric, metric)
