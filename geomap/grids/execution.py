"""The grid computations on Dask: a local cluster (``--dask``) or an existing one (``--dask tcp://HOST:PORT``).

The population raster becomes a lazy :mod:`dask.array` whose chunks are windowed reads
(:class:`LazyRaster`: each task opens the file and reads its own window, so no process ever
holds the whole grid), and a block kernel — :func:`geomap.grids.reach.block_sums`, the very
kernel of the serial path, handed in by the caller — runs on every chunk with
:func:`dask.array.map_blocks`. Each chunk returns only
its per-unit sums, which Dask adds up; memory is bounded by chunk size x workers. Serial and
Dask runs therefore give the same numbers (up to the order of floating-point additions).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np
from rasterio.windows import Window

from geomap.grids import io

__all__ = ["LazyRaster", "block_sums_dask", "dask_client"]


class LazyRaster:
    """An array-like view of a raster band that reads only the slice it is asked for.

    Holds nothing but the :class:`geomap.grids.io.RasterInfo`, so it pickles to Dask workers.
    """

    def __init__(self, info: io.RasterInfo) -> None:
        self.info = info
        self.shape = (info.height, info.width)
        self.dtype = np.dtype("float64")
        self.ndim = 2

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        rows, cols = key
        r0, r1, _ = rows.indices(self.info.height)
        c0, c1, _ = cols.indices(self.info.width)
        return io.read_window(self.info.path, Window(c0, r0, c1 - c0, r1 - r0))


@contextlib.contextmanager
def dask_client(
    address: str | None = None, *, workers: int = 2, memory_limit: str = "900MB", timeout: str = "10s"
) -> Iterator[object]:
    """A :class:`dask.distributed.Client`, closed (with its local cluster) on exit.

    Parameters
    ----------
    address
        ``None`` or ``"local"``: start a :class:`~dask.distributed.LocalCluster` of
        ``workers`` single-threaded processes, each limited to ``memory_limit``. Otherwise the
        address of a running scheduler (``tcp://HOST:PORT``).
    workers, memory_limit
        Size of the local cluster.
    timeout
        How long to wait for a scheduler at ``address``.

    Raises
    ------
    ValueError
        If the scheduler at ``address`` cannot be reached.
    """
    from dask.distributed import Client, LocalCluster

    if address in (None, "", "local"):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, memory_limit=memory_limit, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
        return
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        msg = f"--dask {address}: no Dask scheduler answered there ({exc}); start one with `dask scheduler` or use --dask alone for a local cluster"
        raise ValueError(msg) from None
    try:
        yield client
    finally:
        client.close()


def _kernel(pop: np.ndarray, *, kernel, kwargs, block_info=None) -> np.ndarray:
    (r0, r1), (c0, c1) = block_info[0]["array-location"]
    win = Window(c0, r0, c1 - c0, r1 - r0)
    return kernel(pop, win, **kwargs)[None, None, :, :]


def block_sums_dask(
    raster: io.RasterInfo,
    kernel: Callable[..., np.ndarray],
    *,
    out_shape: tuple[int, int],
    block: int,
    client,
    **kwargs,
) -> np.ndarray:
    """The sum over all blocks of ``kernel(pop, window, **kwargs)`` (each an ``out_shape`` array), computed on ``client``.

    ``kernel`` must be a module-level function (it is pickled to the workers by reference),
    e.g. :func:`geomap.grids.reach.block_sums`.
    """
    import dask.array as da

    arr = da.from_array(LazyRaster(raster), chunks=(block, block), asarray=True, lock=False, meta=np.empty((0, 0)))
    nrow, ncol = len(arr.chunks[0]), len(arr.chunks[1])
    parts = arr.map_blocks(
        _kernel, kernel=kernel, kwargs=kwargs,
        new_axis=[2, 3], chunks=((1,) * nrow, (1,) * ncol, (out_shape[0],), (out_shape[1],)), dtype=np.float64,
        meta=np.empty((0, 0, 0, 0)),
    )
    total = parts.sum(axis=(0, 1))
    return np.asarray(client.compute(total).result())
