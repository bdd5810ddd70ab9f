"""A generated e-commerce order table with guests, loyalty members and upsells."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..core.validation import as_generator

#: Mean repeat orders per year of exposure, for non-members and for loyalty members.
_REPEAT_RATE = (1.0, 2.5)
#: Shape of the gamma distribution of customers' repeat-purchase rates (heterogeneity).
_RATE_SHAPE = 0.6
#: Probabilities of product tiers 1, 2 and 3 on a first (or guest) order.
_FIRST_TIER = (0.60, 0.30, 0.10)
#: Probability that a repeat order moves up one tier from the customer's previous order.
_UPSELL = 0.10
#: Mean order value of a non-member at product tiers 1, 2 and 3.
_TIER_VALUE = (40.0, 52.0, 68.0)
#: Members' average order value relative to non-members' (the +12 % of the e-commerce seed).
_MEMBER_AOV_RATIO = 1.12
#: Log-scale standard deviations of the customer spend level and of order-to-order noise.
_SPEND_SIGMA = 0.35
_ORDER_SIGMA = 0.45

_NS_PER_DAY = 86_400 * 10**9


def _share(name: str, value: object, *, closed: bool = True) -> float:
    """Validate a share in [0, 1] (or [0, 1) when ``closed`` is false)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1]; got {type(value).__name__} {value!r}")
    share = float(value)
    ok = 0.0 <= share <= 1.0 if closed else 0.0 <= share < 1.0
    if not ok:
        allowed = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{name} must be in {allowed}; got {value!r}")
    return share


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def _start(start: object, days: int) -> np.datetime64:
    """Validate ``start`` and return it as datetime64[ns]."""
    if isinstance(start, (bool, int, float, np.number)):
        raise TypeError(f"start must be a date such as '2024-01-01', not a number; got {start!r}")
    try:
        stamp = pd.Timestamp(start)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"start must be a date such as '2024-01-01'; got {start!r}") from exc
    if not isinstance(stamp, pd.Timestamp) or pd.isna(stamp):
        raise ValueError(f"start must be a date such as '2024-01-01'; got {start!r}")
    if stamp.tzinfo is not None:
        raise ValueError(f"start must be a timezone-naive date; got {start!r}")
    try:
        stamp = stamp.as_unit("ns")
        (stamp + pd.Timedelta(days=days)).as_unit("ns")
    except (OverflowError, ValueError) as exc:
        raise ValueError(
            f"start + days must lie within the datetime64[ns] range; got start={start!r}, "
            f"days={days}"
        ) from exc
    origin: np.datetime64 = stamp.to_datetime64()
    return origin


def _lognormal_unit_mean(
    gen: np.random.Generator, sigma: float, size: int
) -> npt.NDArray[np.float64]:
    """Log-normal multipliers with mean exactly 1."""
    return gen.lognormal(-0.5 * sigma**2, sigma, size=size)


def _member_premium(
    member_values: npt.NDArray[np.float64], *non_member_values: npt.NDArray[np.float64]
) -> float:
    """Members' price multiplier that makes their mean order value 12 % above non-members'.

    Members reach premium tiers more often (they place more repeat orders, and repeat
    orders upsell), so the tier mix alone already lifts their average order value; the
    multiplier takes that lift out, given the tiers drawn.
    """
    others = np.concatenate(non_member_values)
    if member_values.size == 0 or others.size == 0:
        return _MEMBER_AOV_RATIO
    return float(_MEMBER_AOV_RATIO * others.mean() / member_values.mean())


def make_orders(
    n_customers: int = 10_000,
    *,
    rng: int | np.random.Generator | None = None,
    start: str | pd.Timestamp | np.datetime64 = "2024-01-01",
    days: int = 730,
    guest_share: float = 0.15,
    member_share: float = 0.3,
) -> pd.DataFrame:
    """Generate an e-commerce order table, one row per order.

    The shop has ``n_customers`` registered customers, some of them loyalty
    members, who buy repeatedly, plus anonymous guest checkouts. The table is made
    so that the behavioural metrics of the e-commerce seeds are visible: the guest
    checkout rate is about ``guest_share``, some customers buy once and others
    repeatedly, members order more often and spend about 12 % more per order, and
    repeat orders sometimes move up a product tier (upsell).

    Generating model (all draws vectorised, from one generator):

    * **Membership.** Each registered customer is a loyalty member with
      probability ``member_share``, for the whole window.
    * **First order.** Each customer's first order falls on a day drawn uniformly
      from the ``days``-day window starting at ``start``. Customer ids 1, 2, ...
      are given in order of first purchase.
    * **Repeat orders.** After the first order a customer buys as a Poisson
      process until the end of the window, so gaps between orders are
      exponential. The rate is customer-specific: gamma distributed with shape
      0.6 and mean 1 order per year for non-members and 2.5 per year for members.
      Given the exposure, the number of repeat orders is therefore negative
      binomial, and the number of orders per customer is 1 + negative binomial:
      many customers buy only once, a few buy very often (NBD model).
    * **Product tier.** First orders are in tier 1, 2 or 3 with probabilities
      0.60, 0.30 and 0.10. Each repeat order moves up one tier from the
      customer's previous order with probability 0.10 (capped at 3) and otherwise
      stays in the same tier; tiers never go down. About a quarter of repeat
      customers upsell with the defaults.
    * **Order value.** An order's mean value is 40, 52 or 68 in tiers 1, 2 and
      3, times a member premium, times the customer's spend level, times order
      noise; spend level and noise are log-normal with mean 1 (log-scale
      standard deviations 0.35 and 0.45). Values are rounded to cents. The member
      premium is set so that members' mean order value is 12 % above
      non-members' (guests included) given the tiers drawn: members place more
      repeat orders and so upsell more, and the premium takes that tier-mix lift
      out. At equal tier members therefore spend only about 6 % more with the
      defaults; the rest of their 12 % comes from buying premium tiers.
    * **Guest orders.** On top of the customers' orders, guest checkouts are
      single orders without a customer: each order is a guest order with
      probability ``guest_share``, independently (the number of guest orders is
      negative binomial given the customers' orders). A guest order falls on a
      uniform day of the window, is in a first-order tier and has a non-member's
      order value.
    * **Order ids** are 1, 2, ... in order of date (ties in random order), and the
      rows are sorted by date and then order id.

    Parameters
    ----------
    n_customers : int, default 10000
        Number of registered customers; each places at least one order.
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same table.
    start : str, pandas.Timestamp or numpy.datetime64, default "2024-01-01"
        First day of the observation window (timezone-naive).
    days : int, default 730
        Length of the window in days; every order date lies in
        ``[start, start + days)``.
    guest_share : float, default 0.15
        Expected share of guest checkouts among all orders, in [0, 1) (a share
        of 1 would need infinitely many guest orders beside the customers').
    member_share : float, default 0.3
        Probability that a registered customer is a loyalty member, in [0, 1].

    Returns
    -------
    pandas.DataFrame
        Columns:

        ``order_id`` (int64)
            Unique order number, increasing with the date.
        ``customer_id`` (Int64, nullable)
            Registered customer, 1 to ``n_customers``; ``<NA>`` for guest orders.
        ``date`` (datetime64[ns])
            Day of the order (midnight when ``start`` is), in
            ``[start, start + days)``.
        ``revenue`` (float64)
            Order value, positive, rounded to cents.
        ``guest`` (bool)
            Guest checkout; true exactly where ``customer_id`` is missing.
        ``member`` (bool)
            Loyalty member; constant per customer and false for guest orders.
        ``tier`` (int64)
            Product tier of the order, 1 to 3 (3 = premium).

    Raises
    ------
    ValueError
        If ``n_customers`` or ``days`` is not a positive integer, a share is out
        of range, or ``start`` is not a timezone-naive date.
    TypeError
        If a share is not a number, ``start`` is a number, or ``rng`` is not a
        seed or generator.

    See Also
    --------
    load_cdnow : A real order table from an online CD retailer.

    Examples
    --------
    >>> import cxlib as cx
    >>> orders = cx.datasets.make_orders(2_000, rng=7)
    >>> orders.head(3)
       order_id  customer_id       date  revenue  guest  member  tier
    0         1            1 2024-01-01    59.49  False   False     1
    1         2         <NA> 2024-01-01    42.04   True   False     2
    2         3            2 2024-01-01    66.17  False   False     1
    >>> int(orders["customer_id"].nunique())
    2000
    >>> round(float(orders["guest"].mean()), 2)  # guest checkout rate
    0.16
    >>> per_customer = orders.groupby("customer_id").size()
    >>> round(float((per_customer > 1).mean()), 2)  # repeat purchase rate
    0.45

    Members' average order value relative to non-members', on a larger table:

    >>> big = cx.datasets.make_orders(50_000, rng=1)
    >>> aov = big.groupby("member")["revenue"].mean()
    >>> round(float(aov[True] / aov[False]), 2)
    1.13
    """
    n_customers = _positive_int("n_customers", n_customers)
    days = _positive_int("days", days)
    guest = _share("guest_share", guest_share, closed=False)
    member_p = _share("member_share", member_share)
    origin = _start(start, days)
    gen = as_generator(rng)

    # Customers: membership, first-order time (in days, sorted so ids follow it), rate.
    member = gen.random(n_customers) < member_p
    first = np.sort(gen.uniform(0.0, days, size=n_customers))
    yearly = np.where(member, _REPEAT_RATE[1], _REPEAT_RATE[0])
    rate = gen.gamma(_RATE_SHAPE, yearly / (365.25 * _RATE_SHAPE))
    n_repeat = gen.poisson(rate * (days - first))
    n_orders = 1 + n_repeat

    # Orders of registered customers: the first, then repeats uniform in (first, days)
    # (a Poisson process given its count), sorted within each customer by time.
    owner = np.repeat(np.arange(n_customers), n_orders)
    is_first = np.zeros(owner.size, dtype=bool)
    first_row = np.cumsum(n_orders) - n_orders
    is_first[first_row] = True
    u = gen.random(owner.size)
    time = np.where(is_first, first[owner], first[owner] + u * (days - first[owner]))
    order = np.lexsort((time, owner))
    time = time[order]  # owner is already sorted, so the first rows stay in place

    # Tiers: a first tier per customer, then cumulative upsells capped at 3.
    first_tier = 1 + gen.choice(3, size=n_customers, p=_FIRST_TIER)
    upsell = (gen.random(owner.size) < _UPSELL) & ~is_first
    ups = np.cumsum(upsell, dtype=np.int64)
    ups -= np.repeat(ups[first_row], n_orders)
    tier = np.minimum(first_tier[owner] + ups, 3)

    # Guest orders: each order is a guest checkout with probability guest_share.
    n_guest = int(gen.negative_binomial(owner.size, 1.0 - guest)) if guest > 0 else 0
    guest_time = gen.uniform(0.0, days, size=n_guest)
    guest_tier = 1 + gen.choice(3, size=n_guest, p=_FIRST_TIER)

    # Order values: tier price x member premium x customer spend x order noise.
    tier_value = np.asarray(_TIER_VALUE)
    value_reg = tier_value[tier - 1]
    value_guest = tier_value[guest_tier - 1]
    premium = _member_premium(value_reg[member[owner]], value_reg[~member[owner]], value_guest)
    spend = _lognormal_unit_mean(gen, _SPEND_SIGMA, n_customers)
    value_reg = value_reg * np.where(member, premium, 1.0)[owner] * spend[owner]
    value_reg = value_reg * _lognormal_unit_mean(gen, _ORDER_SIGMA, owner.size)
    value_guest = value_guest * _lognormal_unit_mean(
        gen, math.hypot(_SPEND_SIGMA, _ORDER_SIGMA), n_guest
    )

    day = np.floor(np.concatenate([time, guest_time])).astype(np.int64)
    day = np.minimum(day, days - 1)  # guard against rounding up to the window's end
    customer = np.concatenate([owner + 1, np.zeros(n_guest, dtype=np.int64)])
    is_guest = np.concatenate([np.zeros(owner.size, dtype=bool), np.ones(n_guest, dtype=bool)])
    is_member = np.concatenate([member[owner], np.zeros(n_guest, dtype=bool)])
    tiers = np.concatenate([tier, guest_tier]).astype(np.int64)
    revenue = np.maximum(np.round(np.concatenate([value_reg, value_guest]), 2), 0.01)

    # Chronological order ids, ties within a day in random order.
    chrono = np.lexsort((gen.random(day.size), day))
    customer_id = pd.array(customer[chrono], dtype="Int64")
    customer_id[is_guest[chrono]] = pd.NA
    dates = origin + (day[chrono] * _NS_PER_DAY).astype("timedelta64[ns]")
    frame: pd.DataFrame = pd.DataFrame(
        {
            "order_id": np.arange(1, day.size + 1, dtype=np.int64),
            "customer_id": customer_id,
            "date": dates,
            "revenue": revenue[chrono],
            "guest": is_guest[chrono],
            "member": is_member[chrono],
            "tier": tiers[chrono],
        }
    )
    return frame
