"""The table every coverage family returns (``run_cells``), shared by the scripts."""

#: One row per (cell, n, method) of a family's simulation.
COLUMNS = [
    "family",
    "metric",
    "cell",
    "n",
    "method",
    "default",
    "coverage",
    "mean_width",
    "nan_share",
    "replicates",
]
#: The columns of docs/guide/coverage_defaults.csv: a family's, and the warned share.
FAMILY_COLUMNS = [*COLUMNS, "warned"]
