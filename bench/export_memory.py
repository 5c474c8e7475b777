"""Issue 11, exports' memory: the peak of Python memory while writing the annual report (XLSX
and CSV) and the 360Giving export of the demo programme at a small and a large number of
applications, in one run. Target: the large size's peak at most 1.3× the small one's (both
stream: the report holds a row per call, the export a page of grants at a time).

    python bench/export_memory.py [--sizes 1000,100000] [--database-url URL]

Without --database-url it uses a fresh SQLite file per size. A PostgreSQL URL must point to an
empty database that may be wiped. The bulk data awards a share of the applications (every state
of the definitions that commits budget), so most of the export's grants are real rows.
"""

import argparse
import io
import os
import time
import tracemalloc

from common import fresh_app
from sqlalchemy import func, select

from grants import demo
from grants.extensions import db
from grants.models import Application, Programme


def peak(work) -> tuple[int, float]:
    """Bytes at the peak of `work()` (tracemalloc), and its seconds."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    _current, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top, elapsed


def measure(url: str | None, size: int) -> dict[str, tuple[int, float, int]]:
    from grants.operations import exports, reports

    app = fresh_app(url, f"memory{size}", DEMO_MODE=True)
    results = {}
    with app.app_context():
        demo.seed()
        demo.bulk_applications(size)
        db.session.commit()
        programme = db.session.scalar(select(Programme))
        awarded = db.session.scalar(select(func.count()).select_from(Application)
                                    .where(Application.awarded_amount.is_not(None)))
        year = db.session.scalar(select(func.max(Application.decided_at))).year

        def annual_xlsx():
            reports.write_xlsx(reports.annual([programme], year), io.BytesIO())

        def annual_csv():
            for _piece in reports.csv_text(reports.annual([programme], year)):
                pass

        def giving():
            written = 0
            for piece in exports.package(programme):
                written += len(piece)
            return written

        for name, work in (("annual report (XLSX)", annual_xlsx),
                           ("annual report (CSV)", annual_csv),
                           ("360Giving export", giving)):
            db.session.expunge_all()
            top, seconds = peak(work)
            results[name] = (top, seconds, awarded)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--database-url", default=os.environ.get("GRANTS_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {size: measure(args.database_url, size) for size in sizes}
    small, large = sizes[0], sizes[-1]
    dialect = "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite"
    print(f"database: {dialect}; peak Python memory (tracemalloc) and seconds")
    print("export".ljust(24) + "".join(f"{f'{s:,} apps':>26}" for s in sizes) + "   ratio")
    for name in by_size[small]:
        cells = "".join(f"{by_size[s][name][0] / 2**20:>10.2f} MiB {by_size[s][name][1]:>7.2f} s"
                        f" ({by_size[s][name][2]:>6,})" for s in sizes)
        ratio = by_size[large][name][0] / by_size[small][name][0]
        print(name.ljust(24) + cells + f"   {ratio:>5.2f}")
    print("(in brackets: the awarded grants the export writes)")


if __name__ == "__main__":
    main()
