#!/usr/bin/env python3
"""`allocation import` of ROWS batches into DB_URL, then `allocation export batches` of them.

    bench/import_export.py BINARY DB_URL ROWS

Prints one line: import rows/s, export rows/s, the export's peak resident memory in MiB (the
export streams page by page: its memory stays flat however many rows), and the exit codes.
"""
import os
import random
import resource
import subprocess
import sys
import tempfile
import time


def main():
    binary, db_url, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    random.seed(42)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        path = f.name
        f.write("ref,sku,qty,eta,warehouse,expires\n")
        for i in range(rows):
            eta = "" if i % 3 else "2027-01-%02d" % (i % 28 + 1)
            f.write(f"IMP-{i:07d},IMP-SKU-{i % 1000:04d},{random.randint(1, 500)},{eta},,\n")
    try:
        started = time.monotonic()
        imported = subprocess.run([binary, "import", path, "--db", db_url],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import_s = time.monotonic() - started
        started = time.monotonic()
        exported = subprocess.run([binary, "export", "batches", "--db", db_url],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        export_s = time.monotonic() - started
        # Both children's peak: the import's is the smaller (one row at a time).
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{rows / import_s:.0f} {rows / export_s:.0f} {peak_mib:.1f} "
              f"{imported.returncode} {exported.returncode}")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
