"""Charts are real PNGs, wide enough for a phone, with the labels they were given."""

from __future__ import annotations

import struct

from bot.charts import WIDTH_PX, Series, render_bars, render_bars_async


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_two_series_chart_is_a_wide_png() -> None:
    data = render_bars(
        "Anggaran 2026",
        ["Lingkungan", "Sosial", "Ekonomi"],
        [Series("Anggaran", [300e6, 120e6, 80e6]), Series("Realisasi", [150e6, 120e6, 0])],
        value_label=lambda v: f"Rp{v:,.0f}",
    )
    width, height = png_size(data)
    assert width == WIDTH_PX >= 1080
    assert height >= 700


async def test_rendering_off_the_loop_gives_the_same_kind_of_png() -> None:
    data = await render_bars_async("Hasil", ["Ya", "Tidak"], [Series("Suara", [12, 3])])
    assert png_size(data)[0] == WIDTH_PX


def test_many_labels_make_a_taller_chart() -> None:
    few = png_size(render_bars("x", ["a"], [Series("s", [1])]))[1]
    labels = [f"RW {n:02d}" for n in range(1, 16)]
    many = png_size(render_bars("x", labels, [Series("s", list(range(15)))]))[1]
    assert many > few
