"""Sample budget for `bkm-bot shell --demo`: this year and last, entries, revolving loans."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from storage import budget


def seed_demo(conn: sqlite3.Connection, now: datetime) -> None:
    """A sample kelurahan budget: this year and last, entries with receipts, loans."""
    year = now.year
    rows: list[budget.LineInput] = []
    plan = [
        (
            "Perbaikan jalan lingkungan",
            "Pengecoran jalan gang",
            "lingkungan",
            "BLM",
            1,
            "KSM Maju Bersama",
            85_000_000,
            "USL-{y}-0001",
        ),
        (
            "Perbaikan jalan lingkungan",
            "Pengecoran jalan gang",
            "lingkungan",
            "swadaya",
            1,
            "KSM Maju Bersama",
            12_500_000,
            None,
        ),
        (
            "Drainase",
            "Normalisasi saluran",
            "lingkungan",
            "APBD",
            2,
            "KSM Tirta",
            60_000_000,
            None,
        ),
        ("Drainase", "Sumur resapan", "lingkungan", "BLM", 5, "KSM Tirta", 35_000_000, None),
        ("Sanitasi", "MCK komunal", "lingkungan", "CSR", 3, "KSM Sehat", 48_000_000, None),
        (
            "Posyandu",
            "Makanan tambahan balita",
            "sosial",
            "BLM",
            4,
            "KSM Peduli Ibu",
            18_000_000,
            None,
        ),
        (
            "Posyandu",
            "Timbangan dan alat ukur",
            "sosial",
            "CSR",
            None,
            "KSM Peduli Ibu",
            7_500_000,
            None,
        ),
        (
            "Pelatihan",
            "Pelatihan menjahit",
            "sosial",
            "APBD",
            None,
            "KSM Terampil",
            22_000_000,
            None,
        ),
        (
            "Dana bergulir",
            "Pinjaman modal usaha",
            "ekonomi",
            "BLM",
            None,
            "KSM Usaha Mandiri",
            150_000_000,
            None,
        ),
        (
            "Dana bergulir",
            "Pinjaman modal warung",
            "ekonomi",
            "lainnya",
            3,
            "KSM Warung Sejahtera",
            40_000_000,
            None,
        ),
    ]
    for offset, share in ((0, 0.45), (1, 0.97)):
        for index, (program, activity, bidang, source, rw, ksm, allocation, ref) in enumerate(
            plan
        ):
            loan = bidang == "ekonomi"
            disbursed = allocation if loan else None
            repaid = int(allocation * share * 0.6) if loan else None
            rows.append(
                budget.LineInput(
                    year=year - offset,
                    program=program,
                    activity=activity,
                    field=bidang,
                    source=source,
                    rw=rw,
                    ksm=ksm,
                    allocation=allocation,
                    realised=int(allocation * share * (0.5 + (index % 3) / 4)) // 1000 * 1000,
                    proposal_ref=ref.format(y=year - offset) if ref else None,
                    disbursed=disbursed,
                    repaid=repaid,
                    arrears=(int(allocation * 0.05) if loan else None),
                )
            )
    budget.apply_import(conn, rows, now=now, actor_id=None, actor_role="system")
    board = conn.execute("SELECT id FROM people WHERE role = 'pengurus' ORDER BY id LIMIT 1")
    actor = board.fetchone()
    [line] = [x for x in budget.lines_of_year(conn, year) if x.activity == "Normalisasi saluran"]
    for days, amount, what in ((40, 4_250_000, "Semen 50 sak"), (12, 2_100_000, "Upah tukang")):
        budget.add_entry(
            conn,
            line_id=line.id,
            spent_on=(now - timedelta(days=days)).date(),
            amount=amount,
            description=what,
            receipt=None,
            actor_id=actor[0] if actor else None,
            now=now,
        )
