"""BRIEF §9, serving (named serving.py: a script named http.py would hide the standard http
package): requests per second of an authenticated list endpoint under gunicorn
against a trivial route (`/healthz`) on the same server, measured in one run with wrk on
127.0.0.1 only. Target: the list at no less than a quarter of the trivial route's rate.

    python bench/serving.py [--applications 10000] [--workers 2] [--seconds 10] [--connections 8]

Needs gunicorn (installed with the app) and wrk (Debian: apt-get install wrk). The data is a
fresh SQLite file with the demo and N bulk applications; GRANTS_BENCH_DATABASE_URL may point to
an empty PostgreSQL database instead (it is wiped).
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare(url: str, applications: int) -> str:
    """The database with the demo and bulk data; returns the demo startup's API token."""
    from common import fresh_app

    from grants import demo
    from grants.extensions import db
    from grants.operations import accounts

    app = fresh_app(url, "serving")
    with app.app_context():
        demo.seed()
        demo.bulk_applications(applications)
        token = accounts.create_token(accounts.user_by_email("startup@demo.local"), "bench")
        db.engine.dispose()
    return token


def rate(wrk: str, url: str, seconds: int, connections: int, token: str | None) -> float:
    command = [wrk, "-t", "1", "-c", str(connections), "-d", f"{seconds}s", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    url = os.environ.get("GRANTS_BENCH_DATABASE_URL") or \
        f"sqlite:///{tempfile.mkdtemp()}/http.sqlite"
    token = prepare(url, args.applications)
    port = free_port()
    env = os.environ | {"GRANTS_DATABASE_URL": url, "SECRET_KEY": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(args.workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # wait for the workers
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rate(wrk, base + "/healthz", 2, args.connections, None)  # warm up
        trivial = rate(wrk, base + "/healthz", args.seconds, args.connections, None)
        listed = rate(wrk, base + "/api/v1/applications", args.seconds, args.connections, token)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"database:                 {url.split(':')[0]}, {args.applications:,} applications")
    print(f"gunicorn workers:         {args.workers}; wrk: 1 thread, {args.connections} "
          f"connections, {args.seconds} s each")
    print(f"GET /healthz:             {trivial:,.0f} requests/s")
    print(f"GET /api/v1/applications: {listed:,.0f} requests/s (authenticated, 50 per page)")
    print(f"ratio:                    {listed / trivial:.2f} (target >= 0.25)")


if __name__ == "__main__":
    main()
