"""Progress bars for long resampling loops, through tqdm when it is asked for.

The loops update the bar once per batch of resamples, never per row, so the vectorised
code is unchanged. tqdm is imported only when a bar is shown: ``import cxlib`` never
imports it, and without ``progress=True`` it need not be installed.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from .validation import check_bool

__all__ = ["ProgressBar", "check_progress", "progress_bar"]


class ProgressBar(Protocol):
    """What the resampling loops use of a bar: ``update`` by a count, and closing."""

    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...

    def __enter__(self) -> ProgressBar: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> object: ...


class _Silent:
    """A bar that shows nothing: what ``progress=False`` gets."""

    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None


def check_progress(progress: object) -> bool:
    """``progress`` as a bool; anything else is refused with a TypeError naming it."""
    return check_bool("progress", progress)


def progress_bar(total: int, *, enabled: bool, description: str) -> ProgressBar:
    """A progress bar counting to ``total``, or one that shows nothing.

    Parameters
    ----------
    total : int
        The count at which the work is done (e.g. the number of resamples).
    enabled : bool
        True: tqdm's bar (:class:`tqdm.auto.tqdm`, a widget in notebooks, text on
        standard error elsewhere). False: a bar whose ``update`` does nothing, and tqdm
        is not imported.
    description : str
        Shown before the bar.

    Returns
    -------
    ProgressBar
        Use it as a context manager and call ``update(k)`` as ``k`` more units are done.

    Raises
    ------
    ImportError
        ``enabled`` is True and tqdm is not installed.

    Examples
    --------
    >>> from cxlib.core.progress import progress_bar
    >>> with progress_bar(100, enabled=False, description="Bootstrap") as bar:
    ...     for _ in range(4):
    ...         bar.update(25)
    """
    if not check_bool("enabled", enabled):
        return _Silent()
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            'progress=True needs tqdm: pip install "cxlib[progress]" (or pip install tqdm)'
        ) from error
    bar: ProgressBar = tqdm(total=total, desc=description, unit="resample", leave=False)
    return bar
