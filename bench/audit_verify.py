"""BRIEF §9, audit verification: `audit.verify()` over a chain of N events against a bare
hashlib loop over the same canonical bytes, in one run. Target: verify at no less than half the
loop's speed (ratio ≥ 0.5).

    python bench/audit_verify.py [--events 200000] [--database-url URL]

Without --database-url it uses a fresh SQLite file. A PostgreSQL URL must point to an empty
database that may be wiped.
"""

import argparse
import hashlib
import os
import time

from common import fresh_app

from grants import audit, demo
from grants.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    app = fresh_app(args.database_url, "verify")
    with app.app_context():
        url = str(db.engine.url)
        start = time.perf_counter()
        demo.bulk_audit_events(args.events)
        seeded = time.perf_counter() - start

        start = time.perf_counter()
        result = audit.verify()
        verify_time = time.perf_counter() - start
        assert result.ok and result.checked == args.events, result

        # the same bytes, made outside the timing, hashed by a bare loop
        blobs = [audit._canonical_text(row).encode()
                 for row in db.session.connection().execute(audit.raw_rows())]
        start = time.perf_counter()
        for blob in blobs:
            hashlib.sha256(blob).hexdigest()
        loop_time = time.perf_counter() - start
        db.session.remove()
        db.drop_all()
    n = args.events
    print(f"database:      {url.split(':')[0]}")
    print(f"events:        {n:,} (seeded in {seeded:.1f} s)")
    print(f"audit.verify:  {verify_time:.2f} s ({verify_time / n * 1e6:.1f} µs per event)")
    print(f"hashlib loop:  {loop_time:.2f} s ({loop_time / n * 1e6:.1f} µs per event)")
    print(f"ratio:         {loop_time / verify_time:.2f} of hashlib's speed (target >= 0.5)")


if __name__ == "__main__":
    main()
