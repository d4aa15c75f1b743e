"""Fisher-Jenks natural breaks in numpy: mapclassify's result, without importing mapclassify.

mapclassify pulls in scipy, scikit-learn and matplotlib (~3 s and ~100 MB in a fresh server
process) for what the maps need most: Fisher-Jenks class breaks of a few dozen to a few
thousand unit values. :func:`fisher_jenks_bins` runs the same dynamic programme as
``mapclassify.FisherJenks`` (its float32 arithmetic, its tie rule and its backtracking), with
the inner loops as array operations, so the breaks are identical
(``tests/layers/test_breaks.py`` compares them on many samples). Other schemes still use
mapclassify, imported when asked for.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bin_ids", "fisher_jenks_bins"]


def _variances(values: np.ndarray, last: int) -> np.ndarray:
    # Within-class sums of squares of values[last-m : last] for m = 1..last, accumulated from
    # the end in float32 one value at a time, as mapclassify does (cumsum is sequential).
    tail = values[last - 1 :: -1] if last > 0 else values[:0]
    s1 = np.cumsum(tail, dtype=np.float32)
    s2 = np.cumsum(tail * tail, dtype=np.float32)
    w = np.arange(1, last + 1, dtype=np.float32)
    return s2 - (s1 * s1) / w


def fisher_jenks_bins(y: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` Fisher-Jenks classes of ``y``, as ``mapclassify.FisherJenks(y, k).bins``.

    Parameters
    ----------
    y
        Finite numbers (at least ``k`` distinct ones).
    k
        Number of classes.

    Returns
    -------
    numpy.ndarray
        ``k`` ascending upper bounds (float64); the last is ``max(y)``.

    Raises
    ------
    ValueError
        If ``y`` holds fewer than ``k`` distinct values, or ``k`` < 1.
    """
    x = np.sort(np.asarray(y, dtype="f8"))
    if k < 1 or len(np.unique(x)) < k:
        msg = f"Fisher-Jenks needs at least k={k} distinct values (got {len(np.unique(x))}) and k >= 1"
        raise ValueError(msg)
    n = len(x)
    values = x.astype(np.float32)
    lower = np.zeros((n + 1, k + 1), dtype=np.int64)  # mapclassify's mat1: first index of the last class
    cost = np.zeros((n + 1, k + 1), dtype=np.float32)  # mat2: least sum of squares so far
    lower[1, 1:] = 1
    cost[2:, 1:] = np.inf
    for last in range(2, n + 1):
        v = _variances(values, last)  # v[m-1]: the class values[last-m : last]
        # The last class starts at i3 = last - m + 1 (1-based); the classes before it end at
        # i4 = i3 - 1, which must not be 0 (m < last).
        m = np.arange(1, last)
        before = last - m
        for j in range(2, k + 1):
            candidates = v[m - 1] + cost[before, j - 1]
            best = candidates.min()
            # mapclassify keeps the last m whose cost is <= the best so far: the last minimum.
            at = len(candidates) - 1 - int(np.argmin(candidates[::-1]))
            lower[last, j] = last - m[at] + 1
            cost[last, j] = best
        lower[last, 1] = 1
        cost[last, 1] = v[-1]
    bounds = np.zeros(k + 1, dtype=x.dtype)
    bounds[k] = x[n - 1]
    bounds[0] = x[0]
    at_n = n
    for count in range(k, 1, -1):
        pivot = lower[at_n, count]
        bounds[count - 1] = x[int(pivot - 2)]
        at_n = int(pivot - 1)
    return np.delete(bounds, 0)


def bin_ids(y: np.ndarray, bins: np.ndarray) -> np.ndarray:
    """The class of each value: ``i`` where ``bins[i-1] < y <= bins[i]`` (as ``mapclassify.classifiers.bin1d``).

    Values above the last bound get class 0, as in mapclassify (never the case for bounds
    from :func:`fisher_jenks_bins`, whose last bound is the maximum).
    """
    y = np.asarray(y, dtype="f8")
    ids = np.searchsorted(np.asarray(bins, dtype="f8"), y, side="left")
    ids[ids >= len(bins)] = 0
    return ids.astype(int)
