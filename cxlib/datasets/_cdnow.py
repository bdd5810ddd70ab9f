"""The CDNOW master data set: a real order table for repeat-purchase modelling."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

_DATA_FILE = "cdnow_master.csv.gz"


def load_cdnow() -> pd.DataFrame:
    """Load the CDNOW master data set, one row per order.

    CDNOW was an online retailer of music CDs. The data set follows the cohort of
    the 23,570 customers who made their first-ever purchase at CDNOW in the first
    quarter of 1997 and records every purchase they made up to the end of June
    1998: 69,659 orders between 1997-01-01 and 1998-06-30. It is the standard
    benchmark for repeat-purchase and customer-base models (Pareto/NBD, BG/NBD,
    RFM summaries), introduced to that literature by Fader, Hardie and Lee (2005)
    and distributed by Bruce Hardie; the first 39 weeks are commonly used to
    calibrate a model and the remaining 39 weeks to check its forecasts.

    The rows come in the order of the original file: by customer, and by date
    within a customer. A customer may place several orders on the same day (2,068
    orders share their customer and date with an earlier row); these are separate
    rows, so count distinct dates per customer for purchase occasions. 80 orders
    have a dollar value of 0. The shipped copy is a lossless re-encoding of the
    original text file (see ``data/PROVENANCE.md`` in the package).

    Returns
    -------
    pandas.DataFrame
        A new frame with columns ``customer_id`` (int64, 1 to 23,570),
        ``date`` (datetime64[ns], the day of the order), ``number_of_cds``
        (int64, the number of CDs bought in the order) and ``revenue`` (float64,
        the dollar value of the order, in US dollars).

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your
       customers" the easy way: an alternative to the Pareto/NBD model.
       *Marketing Science* 24(2), 275-284. https://doi.org/10.1287/mksc.1040.0098
    .. [2] Hardie, B. G. S. Notes on the CDNOW master data set.
       http://brucehardie.com/notes/026/

    Examples
    --------
    >>> import cxlib as cx
    >>> orders = cx.datasets.load_cdnow()
    >>> orders.shape
    (69659, 4)
    >>> orders.head(3)
       customer_id       date  number_of_cds  revenue
    0            1 1997-01-01              1    11.77
    1            2 1997-01-12              1    12.00
    2            2 1997-01-12              5    77.00
    >>> int(orders["customer_id"].nunique())
    23570
    >>> orders["date"].agg(["min", "max"]).dt.date.tolist()
    [datetime.date(1997, 1, 1), datetime.date(1998, 6, 30)]
    """
    source = resources.files("cxlib.datasets").joinpath("data").joinpath(_DATA_FILE)
    with source.open("rb") as handle:
        raw = pd.read_csv(
            handle,
            compression="gzip",
            dtype={
                "customer_id": np.int64,
                "date": np.int64,
                "number_of_cds": np.int64,
                "dollar_value": np.float64,
            },
        )
    ymd = raw["date"].to_numpy()
    date = pd.to_datetime(
        pd.DataFrame({"year": ymd // 10_000, "month": ymd // 100 % 100, "day": ymd % 100})
    ).astype("datetime64[ns]")
    frame: pd.DataFrame = pd.DataFrame(
        {
            "customer_id": raw["customer_id"].to_numpy(),
            "date": date.to_numpy(),
            "number_of_cds": raw["number_of_cds"].to_numpy(),
            "revenue": raw["dollar_value"].to_numpy(),
        }
    )
    return frame
