"""Time a people import of N rows against plain CSV parsing and plain inserts.

Run: ``.venv/bin/python bench/bench_people_import.py`` (``--n 20000`` is the default;
``--postgresql`` uses a new database on the test PostgreSQL instead of a SQLite file)

1. Floor A: the file decoded and read by ``csv.reader``, nothing checked or written.
2. Floor B: the same rows inserted as people and memberships with ``insert_many`` in one
   transaction, nothing checked, matched or audited.
3. The import: ``import_people`` on the file (checks, matching, audit), then again on the
   same file (everyone matched, nothing to write), then the export of the programme.
Prints each time and the ratios floor/import (1.0 would be as fast as the floor).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.services import PostgresDatabase  # noqa: E402

#: Time zones the generated people live in.
ZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "Africa/Nairobi")

#: Header of the generated file, with the synonyms and mentoring columns a real sheet has.
HEADER = (
    "Full name",
    "E-mail",
    "Time zone",
    "School",
    "Language",
    "Role",
    "Skills",
    "Goals",
    "Languages",
    "Capacity",
    "Format",
    "Availability",
    "Orientation",
)


def make_file(n: int) -> bytes:
    """Return a UTF-8 CSV (with a byte-order mark, CRLF) of ``n`` mentors and mentees."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(n):
        mentor = i % 5 == 0
        writer.writerow(
            [
                f"Person {i}, Jr." if i % 7 == 0 else f"Person {i}",
                f"Person.{i}@Example.org",
                ZONES[i % len(ZONES)],
                f"School {i % 40}",
                "en",
                "mentor" if mentor else "mentee",
                "public speaking; delegation" if mentor else "",
                "" if mentor else "confidence; time management",
                "en; fr",
                str(1 + i % 4) if mentor else "",
                "either",
                "Mon 16:00-18:00; Wed 15:00-17:00",
                "done" if mentor else "",
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def floor_parse(data: bytes) -> tuple[float, list[list[str]]]:
    """Decode and read the file with ``csv.reader``; return seconds and the rows."""
    start = time.perf_counter()
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return time.perf_counter() - start, rows


def floor_insert(rows: list[list[str]], programme_id: int) -> float:
    """Insert people and memberships for the rows, unchecked; return seconds."""
    from models import Membership, Person, db

    start = time.perf_counter()
    with db.atomic():
        people = [{"name": r[0], "email": "floor." + r[1].lower(), "timezone": r[2]} for r in rows]
        for first in range(0, len(people), 500):
            Person.insert_many(people[first : first + 500]).execute()
        ids = Person.select(Person.id).where(Person.email.startswith("floor.")).tuples()
        members = [{"programme": programme_id, "person": pid, "role": "mentee"} for (pid,) in ids]
        for first in range(0, len(members), 500):
            Membership.insert_many(members[first : first + 500]).execute()
    return time.perf_counter() - start


def timed_import(data: bytes, programme) -> tuple[float, object]:
    """Import the file into the programme; return seconds and the result."""
    from workers.workspace.people_import import import_people

    start = time.perf_counter()
    _, result = import_people(data, programme, actor="bench")
    return time.perf_counter() - start, result


def main() -> None:
    """Build the database and the file, run every measurement and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="rows in the file")
    parser.add_argument("--postgresql", action="store_true", help="use the test PostgreSQL")
    args = parser.parse_args()
    postgres = PostgresDatabase() if args.postgresql else None
    url = postgres.url if postgres else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    try:
        run(args.n, url, "PostgreSQL" if postgres else "SQLite")
    finally:
        if postgres:
            from models import db

            db.close()
            postgres.drop()


def run(n: int, url: str, label: str) -> None:
    """Measure against the database at ``url`` and print the figures."""
    from models import Programme, init_db
    from models.migrations import migrate
    from workers.workspace.people_export import export_csv

    init_db(url).connect()
    migrate()
    data = make_file(n)
    parse, rows = floor_parse(data)
    floor_programme = Programme.create(name="Floor", kind="mentoring")
    insert = parse + floor_insert(rows[1:], floor_programme.id)
    programme = Programme.create(name="Bench", kind="mentoring")
    first, result = timed_import(data, programme)
    again, repeat = timed_import(data, programme)
    start = time.perf_counter()
    export_csv(programme, io.StringIO())
    export = time.perf_counter() - start
    print(f"{n} rows, {len(data) / 1e6:.1f} MB, {label}")
    print(f"floor A, csv.reader only:         {parse:7.3f} s")
    print(f"floor B, csv.reader + insert_many: {insert:7.3f} s")
    print(f"import ({result}): {first:7.3f} s")
    print(f"import again ({repeat}): {again:7.3f} s")
    print(f"export: {export:7.3f} s")
    print(f"ratio floor A/import: {parse / first:.3f}; floor B/import: {insert / first:.3f}")


if __name__ == "__main__":
    main()
