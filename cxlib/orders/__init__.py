"""Behavioural metrics from order tables: purchases, retention and cohorts, RFM, segments."""
