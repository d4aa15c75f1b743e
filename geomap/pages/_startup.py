"""Server start-up: build what a new session's first page needs before the server answers.

``streamlit run app.py`` serves ``app.py`` as an ASGI ``st.App`` (Streamlit finds the ``app``
it defines when imported), whose lifespan runs :func:`warm_up` before the first request is
accepted: the heavy libraries are imported, the store is opened (created, migrated and seeded
on a new installation), and for the default country the units, the resolved directory, its
public view, the coverage indexes and the map's base page are built into the shared caches
(``st.cache_resource``) in the default language. The first visitor then finds them ready, as
every later session does. Other countries are not prepared ahead: each holds tens of MB (its
gazetteer, units and directory) that a server showing one country should not carry; their
first use reads the gazetteer's name index from its on-disk cache (``geomap.gazetteer``).

Only what any new public session builds for itself is built (the public view, never a
signed-in role's), nothing is written to disk but the store a first session would open anyway,
and nothing here holds per-session state. A failure is logged and left to the first session,
which shows it the usual way.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from geomap.i18n import _

__all__ = ["lifespan", "warm_up"]

_LOG = logging.getLogger(__name__)
#: Streamlit's logger that warns about each cached call made outside a script run.
_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def warm_up(*, lang: str | None = None, country: str | None = None) -> dict[str, float]:
    """Prepare the shared caches a new session's first Coverage page reads.

    Parameters
    ----------
    lang : str, optional
        Language the pages are prepared in (their popups and labels); default: the settings'.
    country : str, optional
        ISO3 code of the country prepared; default: the one a new session opens on.

    Returns
    -------
    dict of str to float
        Seconds each step took (``imports``, ``store``, the country, ``labels``), for the log.
    """
    took: dict[str, float] = {}
    t0 = time.perf_counter()
    from geomap import i18n
    from geomap.directory import privacy
    from geomap.pages import _state, _widgets, coverage
    from geomap.settings import get_settings

    took["imports"] = time.perf_counter() - t0
    i18n.activate(lang or get_settings().lang)
    country = country or _state.DEFAULT_COUNTRY
    t0 = time.perf_counter()
    _state.get_store()  # created, migrated and seeded with the samples on a new installation
    took["store"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    try:
        coverage.warm_up(_state.new_session_context(country, role=privacy.PUBLIC))
    except Exception as exc:  # noqa: BLE001 - the first session meets it again and shows it
        _LOG.warning(_("geomap start-up: could not prepare {country} ({error}); its first visitor will build it").format(
            country=country, error=exc))
    took[country] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _state.country_labels(i18n.current().lang)
    took["labels"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _streamlit_first_use()
    took["streamlit"] = time.perf_counter() - t0
    _widgets.freeze_long_lived()
    return took


def _streamlit_first_use() -> None:
    """Pay Streamlit's once-per-process costs of a first page here, not in the first visitor's run.

    A process's first element makes Streamlit check once whether it runs in a REPL, by walking
    the call stack with ``inspect``, which maps the file of every loaded module (hundreds of ms
    with geopandas, pandas and SQLAlchemy loaded); and the first page icon loads its emoji
    catalogue (a large regular expression). Both calls are made outside a script run, so they
    send nothing.
    """
    import streamlit as st

    from geomap.pages import PAGE_ICON

    st.empty()
    st.set_page_config(page_icon=PAGE_ICON)


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[dict[str, Any]]:
    """The ``st.App`` lifespan: :func:`warm_up` once, before the server accepts requests."""
    import asyncio

    quiet = logging.getLogger(_NO_CONTEXT_LOGGER)
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # each cached call outside a script run would warn
    t0 = time.perf_counter()
    try:
        took = await asyncio.to_thread(warm_up)
    except Exception as exc:  # noqa: BLE001 - never keep the server from starting
        _LOG.warning(_("geomap start-up: warm-up failed ({error}); the first visitor will build what it needs").format(error=exc))
        took = {}
    finally:
        quiet.setLevel(level)
    steps = ", ".join(f"{k} {v:.2f}" for k, v in took.items())  # step names and seconds
    _LOG.info(_("geomap start-up: ready in {seconds} s ({steps})").format(seconds=f"{time.perf_counter() - t0:.1f}", steps=steps))
    yield {"geomap_warm_up_s": took}
