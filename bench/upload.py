"""Issue 7: uploading a document through the app against a plain file copy on the same machine:
time and throughput of a 20 MB upload, and the server's peak memory for 5 MB and 20 MB files
(it must not grow with the file). The ratio (upload time / copy time) is printed last.

    python bench/upload.py [--sizes 5,20] [--repeat 5]

Each size gets a fresh server process: the real app on a new SQLite database, served by
werkzeug's server, one request at a time. The client streams a multipart body (`file`, `kind`)
from a file on disk with its Content-Length, as a browser does, so neither side needs the
file in memory. The server's peak memory is its high-water resident set (VmHWM in
/proc/<pid>/status), read after one small warm-up upload and again after the large ones; the
growth is what the large uploads cost. The copy is shutil.copyfile of the same file on the
same disk; the upload also writes it twice (werkzeug's temporary file, then the document
store) and hashes it.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

MB = 1024 * 1024
CHUNK = 1024 * 1024


def serve(database_dir: str, limit: int) -> None:
    """The server side (run in its own process): seed a startup's draft, print how to reach
    it as one JSON line, then serve until killed."""
    from common import fresh_app
    from werkzeug.serving import make_server

    from grants.models import SYSTEM, Programme, utcnow
    from grants.operations import accounts, applications, calls, organizations

    app = fresh_app(None, "upload", DOCUMENT_STORAGE=os.path.join(database_dir, "documents"),
                    DOCUMENT_MAX_BYTES=limit)
    with app.app_context():
        from datetime import date, timedelta

        from grants.extensions import db

        programme = Programme(title="Bench", starts_on=date(2024, 1, 1),
                              ends_on=date(2028, 12, 31))
        db.session.add(programme)
        db.session.commit()
        now = utcnow()
        call = calls.create_call(SYSTEM, {
            "programme_id": programme.id, "stage": "pre_incubation", "title": "Bench call",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(), "budget": 10**9,
            "required_documents": ["business_plan"],
            "rubric": {"pass_threshold": 50, "criteria": [
                {"key": "k", "name": "K", "weight": 1, "max_score": 10}]}})
        user = accounts.create_user("bench@example.org", "Bench", "a long bench password",
                                    "applicant", None)
        organization = organizations.create_organization(user, {
            "name": "Bench startup", "field": "fintech", "registration_number": "0300000001",
            "founded_on": "2023-01-01"})
        application = applications.create_application(user, {
            "call_id": call.id, "project": {"title": "Bench", "field": "fintech",
                                            "organization_id": organization.id}})
        token = accounts.create_token(user, "bench")
        application_id = application.id
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app)
    print(json.dumps({"port": server.server_port, "token": token,
                      "application_id": application_id}), flush=True)
    server.serve_forever()


def make_file(folder: Path, size: int) -> Path:
    """A PDF header, then random bytes (incompressible), `size` bytes in all."""
    path = folder / f"plan-{size // MB}mb.pdf"
    with open(path, "wb") as out:
        out.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            n = min(CHUNK, left)
            out.write(os.urandom(n))
            left -= n
    return path


def upload(port: int, token: str, application_id: int, path: Path) -> float:
    """POST the file as multipart/form-data, streamed from disk; the seconds it took."""
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n"
            f"business_plan\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{path.name}\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        with open(path, "rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
        yield tail

    length = len(head) + path.stat().st_size + len(tail)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.connect()
    # no Nagle: small writes (the body's head, the response) are not held for a delayed ACK
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.perf_counter()
    connection.request("POST", f"/api/v1/applications/{application_id}/documents", body=body(),
                       headers={"Authorization": f"Bearer {token}", "Content-Length": str(length),
                                "Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    answer = response.read()
    elapsed = time.perf_counter() - start
    connection.close()
    assert response.status == 201, (response.status, answer[:300])
    assert json.loads(answer)["size"] == path.stat().st_size
    return elapsed


def peak_rss(pid: int) -> int:
    """The process's high-water resident set, bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc (Linux only)")


def run_size(folder: Path, path: Path, small: Path, repeat: int, limit: int
             ) -> tuple[list[float], int, int]:
    """A fresh server: a warm-up upload, then `repeat` uploads of `path`; the times, the
    server's peak memory after the warm-up, and its growth during the large uploads."""
    here = Path(__file__).resolve().parent
    work = tempfile.mkdtemp(dir=folder)
    server = subprocess.Popen([sys.executable, str(here / "upload.py"), "--serve", work,
                               "--limit", str(limit)],
                              stdout=subprocess.PIPE, text=True, cwd=here)
    try:
        line = server.stdout.readline()
        if not line:
            raise RuntimeError("the server did not start")
        info = json.loads(line)
        reach = (info["port"], info["token"], info["application_id"])
        upload(*reach, small)
        before = peak_rss(server.pid)
        times = [upload(*reach, path) for _ in range(repeat)]
        return times, before, peak_rss(server.pid) - before
    finally:
        server.terminate()
        server.wait(timeout=30)


def copy_times(folder: Path, path: Path, repeat: int) -> list[float]:
    times = []
    for n in range(repeat):
        target = folder / f"copy-{n}"
        start = time.perf_counter()
        shutil.copyfile(path, target)
        times.append(time.perf_counter() - start)
        target.unlink()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,20", help="file sizes in MB; the last is timed")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.limit)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        small = make_file(folder, 64 * 1024)
        results = {}
        for size in sizes:
            path = make_file(folder, size * MB)
            # the app's default limit is 20 MB; a larger size raises it for the run
            limit = max(20, *sizes) * MB
            results[size] = (*run_size(folder, path, small, args.repeat, limit), path)
        largest = sizes[-1]
        times, _peak, _growth, path = results[largest]
        copy = statistics.median(copy_times(folder, path, args.repeat))
    upload_time = statistics.median(times)
    print(f"median of {args.repeat}; werkzeug server, SQLite, local document store")
    for size in sizes:
        size_times, peak, growth, _path = results[size]
        print(f"{size:>3} MB upload: {statistics.median(size_times) * 1000:8.1f} ms "
              f"({size / statistics.median(size_times):6.1f} MB/s); server peak memory "
              f"{(peak + growth) / MB:5.1f} MB, {growth / MB:+5.1f} MB over the warm-up")
    print(f"{largest:>3} MB file copy: {copy * 1000:6.1f} ms ({largest / copy:6.1f} MB/s)")
    print(f"ratio (upload time / copy time, {largest} MB): {upload_time / copy:.2f}")


if __name__ == "__main__":
    main()
