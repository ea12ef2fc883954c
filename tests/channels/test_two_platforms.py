"""DISPATCH-6 end to end: two running instances of the platform, on two databases, trade a
ticket: one sends it, the other registers it, replies, and the reply comes back."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hotline.channels.models import Peer, Transfer
from hotline.channels.services import transfer_out
from hotline.tickets import services as svc

HERE = Path(__file__).parent
ROOT = HERE.parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def peer_b(tmp_path, live_server):
    """The second instance: its own SQLite database, migrated, served by runserver."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hotline.settings",
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'b.sqlite3'}",
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_PLATFORM_NAME": "district-b",
        "HOTLINE_SECRET_KEY": "b" * 50,
        "HOTLINE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
    }
    hotline = [sys.executable, "-m", "hotline.cli"]
    subprocess.run([*hotline, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    script = [sys.executable, str(HERE / "peer_instance.py")]
    subprocess.run([*script, "setup", live_server.url], env=env, check=True, timeout=60)
    port = _free_port()
    server = subprocess.Popen(
        [*hotline, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):  # up to a minute on a loaded machine
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    yield (
        url,
        lambda *args: subprocess.run(
            [*script, *args], env=env, check=True, timeout=60, capture_output=True
        ),
    )
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.req("DISPATCH-6")
def test_two_instances_trade_a_ticket_both_ways(peer_b, agent, settings):
    """DISPATCH-6, INTAKE-2: sent out here, received there with our number, replied there, the
    reply recorded here."""
    url, run_b = peer_b
    settings.HOTLINE_PLATFORM_NAME = "hotline"
    Peer.objects.create(name="district-b", url=url, secret="k")
    ticket = svc.ticket_register(
        actor=agent,
        channel="phone",
        category="help",
        content="乙区道路积水",
        citizen_phone="13900008888",
    )
    transfer = transfer_out(actor=agent, ticket=ticket, peer_name="district-b")
    ticket.refresh_from_db()
    assert ticket.state == "transferred"
    assert transfer.remote_number and transfer.remote_number != ""
    run_b("reply", transfer.remote_number)
    transfer = Transfer.objects.get(pk=transfer.pk)
    assert transfer.reply == "乙区已处理完毕。" and transfer.replied_at is not None
    assert ticket.events.filter(action="ticket.transfer.replied").exists()
