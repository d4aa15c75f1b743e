"""Two app servers on one store see each other's committed edits (GeoPackage by default; PostGIS
with ``GEOMAP_TEST_BACKEND=postgis``, where this is what lets a team share a directory).

Each "server" is a process of its own running an app session (``_app_session.py``): its own
Streamlit caches, its own connection pool. A's edit and verification reach B's open page on its
next run, without a restart; B's save from the version it opened is refused with both values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geomap import store as gs
from geomap.store import seed, users

REPO = Path(__file__).resolve().parents[2]
SESSION = Path(__file__).with_name("_app_session.py")
NGA = seed.SAMPLE_NAMES["NGA"]
PW = "correct horse battery staple"
RECORD = "NG-SAMPLE-0002"


class Server:
    """An app session in its own process, answering one JSON line per command."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen([sys.executable, str(SESSION)], cwd=REPO, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def ask(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            pytest.fail(f"the app session ended: {self.proc.stderr.read()[-3000:]}")
        answer = json.loads(line)
        assert not answer["exceptions"], answer["exceptions"]
        return answer

    def stop(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)


@pytest.fixture
def servers(tmp_path, monkeypatch, store_env, store_backend_name):
    store_env(monkeypatch, tmp_path / "data")  # one store for both (a PostGIS database on that backend)
    monkeypatch.setenv("GEOMAP_STALE_AFTER_DAYS", "90")  # RECORD (verified 2026-03-25) is stale until verified
    s = gs.open_store()
    assert s.backend == store_backend_name
    users.add_user(s, "edna", PW, role=gs.EDITOR, rounds=4)
    users.add_user(s, "bo", PW, role=gs.EDITOR, rounds=4)
    s.close()
    pair = Server(), Server()
    try:
        yield pair
    finally:
        for server in pair:
            server.stop()


def test_two_servers_see_each_others_committed_edits(servers):
    a, b = servers
    assert a.ask(sign_in="edna", password=PW)["role"] == gs.EDITOR
    assert b.ask(sign_in="bo", password=PW)["role"] == gs.EDITOR
    seen = b.ask(open=RECORD)
    assert seen["version"] == 1 and "stale" in seen
    original = seen["fields"]["hours"]

    # server A edits and verifies the record
    assert a.ask(open=RECORD)["version"] == 1
    edited = a.ask(edit={"hours": "Mon-Fri 07:00-19:00 (from server A)"})
    assert edited["successes"] == ["Saved: version 2."], edited
    verified = a.ask(verify=True)
    assert verified["version"] == 3

    # server B, on its next run, shows both: the field, the version, and the cached measures
    again = b.ask(open=RECORD)
    assert again["version"] == 3 and again["fields"]["hours"] == "Mon-Fri 07:00-19:00 (from server A)"
    assert again["stale"] == seen["stale"] - 1  # B's cached directory was reloaded: RECORD is fresh now

    # B saving from the version it opened (1) is refused, both values shown, nothing lost
    refused = b.ask(edit={"hours": "Sat 10:00-12:00 (from server B)"})
    assert refused["successes"] == [] and len(refused["errors"]) == 1
    assert "from server A" in refused["errors"][0] and "from server B" in refused["errors"][0]
    s = gs.open_store()
    try:
        kept = gs.get_record(s, NGA, RECORD)
        assert kept["version"] == 3 and kept["data"]["hours"] == "Mon-Fri 07:00-19:00 (from server A)"
        assert original != kept["data"]["hours"]
        updates = gs.history(s, NGA, RECORD).query("last_action_type == 'update'")
        assert set(updates["updated_by"]) == {"edna"}
    finally:
        s.close()
    # B, having seen the refusal, now works from the stored version and its save lands
    assert b.ask(open=RECORD)["version"] == 3
    saved = b.ask(edit={"hours": "Sat 10:00-12:00 (from server B)"})
    assert saved["successes"] == ["Saved: version 4."], saved
    assert a.ask(open=RECORD)["fields"]["hours"] == "Sat 10:00-12:00 (from server B)"
