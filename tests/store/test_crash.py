"""A process killed with ``kill -9`` in the middle of an import leaves the store as it was."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time

from geomap import store as st
from geomap.store import seed
from tests.store.conftest import BACKENDS
from tests.store.test_store import SAMPLE, _csv_bytes

NGA = seed.SAMPLE_NAMES["NGA"]

_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from geomap import store as st
    url, name, path, marker = sys.argv[1:5]
    s = st.open_store(url)
    rows, rejected = st.read_import_file(path)
    plan = st.preview_import(s, name, rows, rejected)
    def progress(done, total):
        Path(marker).write_text(f"{done}/{total}")
        time.sleep(600)
    st.commit_import(s, plan, by="doomed", role="editor", progress=progress)
""")


def _big_file(tmp_path, n: int = 5000):
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    out = [{**rows[i % len(rows)], "id": f"NG-BULK-{i:06d}"} for i in range(n)]
    out[0] = {**rows[0], "hours": "changed by the killed import"}  # an update too, not only inserts
    path = tmp_path / "big.csv"
    path.write_bytes(_csv_bytes(header, out))
    return path


@BACKENDS
def test_kill_9_during_import_leaves_store_unchanged(store, store_url, tmp_path):
    before = st.dump(store)
    marker = tmp_path / "in-transaction"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, store_url, NGA, str(_big_file(tmp_path)), str(marker)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not marker.exists():
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "the import never reached its first chunk"
        time.sleep(0.1)
    assert marker.read_text().startswith(f"{st.importing.CHUNK}/")  # killed part-way, with rows written
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    reopened = st.open_store(store_url)
    try:
        assert st.dump(reopened) == before
        assert st.get_record(reopened, NGA, "NG-SAMPLE-0001")["version"] == 1
    finally:
        reopened.close()
