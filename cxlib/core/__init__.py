"""The shared core of cxlib.

Validation, grouping, centred statistics, intervals, bootstrap, results and
comparisons. The core imports no frontend.
"""
