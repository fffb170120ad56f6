"""Sample proposals for `bkm-bot shell --demo`: a few in every stage, with endorsements."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from rules.proposal_status import Actor, Status
from storage import proposals

# (telegram id of the proposer, field, title, description, rt, rw, cost, path of statuses)
SAMPLES = [
    (
        2,
        "lingkungan",
        "Perbaikan saluran air RT 02",
        "Saluran air di depan musala sering mampet dan meluap saat hujan deras.",
        2,
        1,
        15_000_000,
        [Status.VERIFIED, Status.ACCEPTED, Status.FUNDED, Status.IN_PROGRESS],
    ),
    (
        3,
        "sosial",
        "Posyandu lansia setiap bulan",
        "Warga lansia di RW 02 belum punya posyandu rutin; usul kegiatan bulanan di balai RW.",
        4,
        2,
        3_500_000,
        [Status.VERIFIED],
    ),
    (
        4,
        "ekonomi",
        "Pelatihan pemasaran online untuk UMKM",
        "Pelatihan tiga kali untuk pelaku usaha kecil agar bisa berjualan lewat marketplace.",
        1,
        3,
        None,
        [],
    ),
    (
        5,
        "lingkungan",
        "Lampu jalan gang Melati",
        "Gang Melati gelap di malam hari; perlu empat titik lampu jalan tenaga surya.",
        3,
        3,
        8_000_000,
        [Status.REJECTED],
    ),
]


def seed(conn: sqlite3.Connection, now: datetime) -> None:
    """Insert the sample proposals once (skipped when proposals exist)."""
    if conn.execute("SELECT COUNT(*) FROM proposals").fetchone()[0]:
        return
    ids = dict(conn.execute("SELECT telegram_id, id FROM people WHERE telegram_id IS NOT NULL"))
    board = ids.get(1)
    members = [ids[t] for t in range(2, 8) if t in ids]
    start = now - timedelta(days=40)
    for number, (who, field, title, text, rt, rw, cost, path) in enumerate(SAMPLES):
        if who not in ids or board is None:
            continue
        moment = start + timedelta(days=number)
        proposal = proposals.create(
            conn,
            proposer_id=ids[who],
            field=field,
            title=title,
            description=text,
            rt=rt,
            rw=rw,
            latitude=None,
            longitude=None,
            estimated_cost=cost,
            photos=[],
            show_name=number % 2 == 0,
            now=moment,
            year=moment.year,
        )
        for member in members:
            if member != ids[who]:
                proposals.endorse(
                    conn, proposal_id=proposal.id, person_id=member, threshold=20, now=moment
                )
        for step, target in enumerate(path, start=1):
            proposals.transition(
                conn,
                proposal_id=proposal.id,
                target=target,
                actor_id=board,
                actor=Actor.BOARD,
                now=moment + timedelta(days=step * 3),
                reason="Di luar wilayah kelurahan." if target is Status.REJECTED else None,
                board_cost=cost if target is Status.ACCEPTED else None,
                planned_period="Januari 2027" if target is Status.ACCEPTED else None,
            )
        if Status.IN_PROGRESS in path:
            proposals.add_progress(
                conn,
                proposal_id=proposal.id,
                author_id=board,
                percent=40,
                note="Galian saluran sepanjang 30 meter selesai.",
                photo=None,
                now=moment + timedelta(days=20),
            )
