"""`make run` refuses a busy port before migrating or seeding, and names PORT."""

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_dev_stops_at_once_when_its_port_is_taken(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "PORT": str(port), "VAR_DIR": str(tmp_path)}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(  # noqa: S603 - the project's own script
            [str(ROOT / "bin" / "run-dev")], env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert "PORT" in result.stderr and str(port) in result.stderr
    assert not (tmp_path / "registry.sqlite3").exists()  # nothing migrated
