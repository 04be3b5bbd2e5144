"""`make bench`: measure the budgets of the walking skeleton and print one JSON object.

A script, not a timed unit test: figures vary with the machine, budgets are checked by reading.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from phdt import demo  # noqa: E402
from phdt.aggregate import monthly_indicators  # noqa: E402
from phdt.config import settings  # noqa: E402
from phdt.dataset import LINE_LISTS  # noqa: E402
from phdt.indicators import REGISTRY  # noqa: E402
from phdt.wilayah import load_puskesmas, load_wilayah  # noqa: E402
from scripts import server  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS  # noqa: E402

POLYGONS_DRAWN = """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (!f || !f.contentWindow.L) return false;
  const map = Object.values(f.contentWindow).find(v => v instanceof f.contentWindow.L.Map);
  return !!map && Object.values(map._layers).some(l => l.feature && l.feature.properties.colour); }"""
POLYGON_COUNT = """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  if (!f || !f.contentWindow.L) return 0;
  const map = Object.values(f.contentWindow).find(v => v instanceof f.contentWindow.L.Map);
  return map ? Object.values(map._layers).filter(l => l.feature && l.feature.properties.colour).length : 0; }"""
PROFILE_READY = """() => document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
  && [...document.querySelectorAll("[data-testid='stDataFrame'] canvas")].filter(c => c.offsetParent).length >= 2"""
RENDERED = "[data-testid='stApp'][data-test-script-state='notRunning'] [data-testid='stMetric']"
FUNNEL_READY = """() => document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
  && document.querySelectorAll('.js-plotly-plot .scatterlayer .points path').length > 0"""
EXECUTIVE_READY = """() => document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
  && document.querySelectorAll(".st-key-headline_ptm [data-testid='stMetric']").length === 1
  && document.querySelectorAll('.js-plotly-plot .choroplethmap, .js-plotly-plot canvas').length > 0"""
SCORECARD_READY = """() => document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
  && [...document.querySelectorAll("[data-testid='stDataFrame'] canvas")].filter(c => c.offsetParent).length >= 1"""


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children."""
    out = subprocess.run(["ps", "-o", "rss=", "--ppid", str(pid), "-p", str(pid)], capture_output=True, text=True)
    return sum(int(x) for x in out.stdout.split()) / 1024


def browser_figures() -> dict:
    """Cold start as `make run` does it: start, health, warm-up fired at once (here concurrently
    with the first visitor's page load), until Ringkasan is rendered; then navigation to Peta."""
    import shutil
    import threading

    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    log = Path(tempfile.mkdtemp()) / "bench-server.log"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.perf_counter()
        proc = server.start(port, log)
        try:
            server.wait_healthy(url, proc)
            warm = threading.Thread(target=server.warm_up, args=(url,))
            warm.start()
            page.goto(url)
            page.wait_for_selector(RENDERED, timeout=120_000)
            cold = time.perf_counter() - started
            warm.join()
            t0 = time.perf_counter()
            page.get_by_role("link", name="Peta").click()
            page.wait_for_function(POLYGONS_DRAWN, timeout=60_000)
            peta = time.perf_counter() - t0
            t0 = time.perf_counter()  # the review meeting's first screen: profile tables drawn
            page.get_by_role("link", name="Rapat puskesmas").click()
            page.wait_for_function(PROFILE_READY, timeout=60_000)  # both ILP cluster tables drawn
            profile = time.perf_counter() - t0
            dojo = dojo_figures(page)
            t0 = time.perf_counter()  # the bupati's screen: headlines and the map of the biggest gap drawn
            page.get_by_role("link", name="Ringkasan Bupati").click()
            page.wait_for_function(EXECUTIVE_READY, timeout=60_000)
            executive = time.perf_counter() - t0
            browser.close()
            return {"cold_start_s": round(cold, 2), "peta_ready_s": round(peta, 2), "profile_ready_s": round(profile, 2),
                    **dojo, "executive_ready_s": round(executive, 2), "rss_mb": round(rss_mb(proc.pid))}
        finally:
            server.stop(proc)


def briefing_figures() -> dict:
    """The standard briefing pack, as a click on the executive view builds it (AppTest, fresh
    process caches for the pack: figures, kaleido images, PPTX and PDF)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.switch_page("pages/bupati_page.py")
    at.run()
    t0 = time.perf_counter()
    at.button(key="pack_build").click().run()
    seconds = time.perf_counter() - t0
    if at.exception or at.error:
        raise RuntimeError(f"briefing pack failed: {[e.value for e in at.error] or at.exception}")
    return {"briefing_pack_s": round(seconds, 2)}


def dojo_figures(page, suffix: str = "") -> dict:
    """From the previous page to the Dojo's funnel plot drawn (``dojo_ready_s``: every puskesmas
    with intervals, ranks and limits), then to the scorecard of every puskesmas × every indicator."""
    t0 = time.perf_counter()
    page.get_by_role("link", name="Dojo puskesmas").click()
    page.wait_for_function(FUNNEL_READY, timeout=120_000)
    funnel = time.perf_counter() - t0
    t0 = time.perf_counter()
    page.get_by_test_id("stButtonGroup").get_by_text("Rapor").click()
    page.wait_for_function(SCORECARD_READY, timeout=120_000)
    return {f"dojo_ready_s{suffix}": round(funnel, 2), f"dojo_scorecard_ready_s{suffix}": round(time.perf_counter() - t0, 2)}


def apptest_figures() -> dict:
    """Server-side script time when the indicator changes on Peta, and the desa map payload."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page("pages/peta_page.py")
    at.run()
    times = []
    for ind in REGISTRY:  # through the sidebar widgets, as a user would
        at.selectbox(key="program").set_value(ind.programme.value).run()
        t0 = time.perf_counter()
        at.selectbox(key="indikator").set_value(ind.slug).run()
        times.append((time.perf_counter() - t0) * 1000)
    at.session_state["tingkat"] = "desa"
    at.run()
    payload = next(c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium")
    return {"rerun_ms_p50": round(statistics.median(times)), "rerun_ms_max": round(max(times)),
            "map_html_kb_desa": round(len(payload.proto.json_args) / 1024)}


def aggregation_figures() -> dict:
    data_dir = settings().data_dir
    tables = {name: pl.read_parquet(data_dir / f"{name}.parquet") for name in (*LINE_LISTS, "sasaran", "laporan")}
    wilayah = load_wilayah()
    t0 = time.perf_counter()
    monthly_indicators(tables, wilayah)
    one = time.perf_counter() - t0
    province, puskesmas = demo.replicate(wilayah, load_puskesmas(), 35)
    big = demo.generate(province, puskesmas)
    rows = sum(big[name].height for name in LINE_LISTS)
    t0 = time.perf_counter()
    monthly_indicators(big, province)
    return {"aggregate_s_1x": round(one, 2), "aggregate_s_35x": round(time.perf_counter() - t0, 2),
            "line_list_rows_1x": sum(tables[n].height for n in LINE_LISTS), "line_list_rows_35x": rows}


def quality_figures() -> dict:
    """Every data-quality rule over the whole district, with the scores (what the review page caches)."""
    from phdt import quality
    from phdt.dataset import load

    data = load()
    t0 = time.perf_counter()
    evaluation = quality.evaluate(data.monthly, data.laporan, data.sasaran, data.wilayah)
    quality.scores(evaluation.flags, evaluation.expected_cells)
    return {"dq_all_s": round(time.perf_counter() - t0, 2), "dq_flags": evaluation.flags.height}


IMPORT_MONTH = "2025-11"


def import_figures() -> dict:
    """One month of district line lists (ANC visits, immunization doses, PTM screenings) as .xlsx
    uploads through the whole import on a copy of the demo: read, map, validate, aggregate, commit."""
    import shutil

    import openpyxl

    from phdt import versions
    from phdt.dataset import ensure, load
    from phdt.imports import files, parse, pipeline, validate

    work = Path(tempfile.mkdtemp())
    shutil.copytree(ensure(), work / "data")
    root = work / "versions"
    versions.bootstrap(root, work / "data")
    uploads = {}
    for family, column in (("anc_kunjungan", "tgl_kunjungan"), ("imunisasi_dosis", "tgl_imunisasi"),
                           ("ptm_skrining", "tgl_skrining")):
        rows = pl.read_parquet(settings().data_dir / f"{family}.parquet").filter(
            pl.col(column).dt.strftime("%Y-%m") == IMPORT_MONTH)
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(family)
        sheet.append(rows.columns)
        for row in rows.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String)).iter_rows():
            sheet.append(list(row))
        path = work / f"{family}.xlsx"
        book.save(path)
        uploads[family] = (path.read_bytes(), rows.height)
    t0 = time.perf_counter()
    for family, (content, _) in uploads.items():
        current = load(versions.current(root))
        pipeline.commit(pipeline.prepare(content, f"{family}.xlsx", family, current), current, "bench",
                        replace=True, root=root)
    total = time.perf_counter() - t0
    current, rows, validate_s = load(versions.current(root)), 0, 0.0
    for family, (content, _) in uploads.items():  # the validator alone, on the mapped raw rows
        sheet = files.read_table(content, f"{family}.xlsx")[0]
        headers, start = parse.flatten_header(sheet.rows)
        frame = pipeline.raw_frame(sheet.rows, headers, start, parse.recognise(headers, family))
        v0 = time.perf_counter()
        validate.validate(frame, family, current.wilayah, today=date.today(), current_monthly=current.monthly,
                          sasaran=current.sasaran)
        validate_s += time.perf_counter() - v0
        rows += frame.height
    shutil.rmtree(work)
    return {"import_month_s": round(total, 2), "import_month_rows": rows,
            "import_validate_rows_per_s": round(rows / validate_s)}


def pws_workbook_figures() -> dict:
    """A district PWS KIA workbook of December 2025 (one sheet per puskesmas, as the bidan
    koordinator keep them: title block, merged headers, desa by name, "-" for zero, JUMLAH row)
    through the whole import on a copy of the demo: read, detect the layout, validate, commit."""
    import shutil

    from phdt import versions
    from phdt.dataset import ensure, load
    from phdt.imports import pipeline
    from tests.fixtures import realfiles

    work = Path(tempfile.mkdtemp())
    shutil.copytree(ensure(), work / "data")
    root = work / "versions"
    versions.bootstrap(root, work / "data")
    current = load(versions.current(root))
    december = current.monthly.filter(pl.col("period") == date(2025, 12, 1)).with_columns(
        pl.col("kode_desa", "indicator_code", "puskesmas").cast(pl.String))
    cells = {(c, s): (m, cum, den) for c, s, m, cum, den in december.select(
        "kode_desa", "indicator_code", "numerator_month", "numerator_cum", "denominator").iter_rows()}
    sheets = []
    for name, desa in current.wilayah.group_by(pl.col("puskesmas").cast(pl.String), maintain_order=True):
        rows = []
        for code, nama in desa.select(pl.col("kode_desa").cast(pl.String), "nama_desa").iter_rows():
            counts = [n for slug in ("anc_k1", "anc_k4", "anc_k6") for n in cells[(code, slug)][:2]]
            rows.append((nama, cells[(code, "anc_k1")][2], *[n or "-" for n in counts]))
        title = realfiles.title_block(f"PUSKESMAS {name[0].upper()}", "BULAN : DESEMBER 2025")
        sheets.append((name[0][:31], *realfiles.pws_rows(rows, None, title)))
    content = realfiles.workbook(sheets)
    t0 = time.perf_counter()
    prepared = pipeline.prepare(content, "pws-kabupaten-desember.xlsx", pipeline.WIDE, current)
    pipeline.commit(prepared, current, "bench", replace=True, root=root)
    elapsed = time.perf_counter() - t0
    shutil.rmtree(work)
    return {"import_pws_workbook_s": round(elapsed, 2), "import_pws_workbook_sheets": len(sheets),
            "import_pws_workbook_errors": prepared.validation.errors}


LINE_LIST_ROWS = 1_000_000


def line_list_peak_figures() -> dict:
    """Peak memory of importing a line list of a million rows (PTM screenings of 2024-2025 as a
    CSV) through prepare, dry run and commit, in a process of its own."""
    work = Path(tempfile.mkdtemp())
    rows = pl.read_parquet(settings().data_dir / "ptm_skrining.parquet").filter(
        pl.col("tgl_skrining") >= date(2024, 1, 1)).head(LINE_LIST_ROWS)
    rows.with_columns(pl.col(pl.Categorical, pl.Enum).cast(pl.String)).write_csv(work / "ptm.csv", separator=";")
    out = subprocess.run([sys.executable, __file__, "line-list-peak", str(work / "ptm.csv")], capture_output=True,
                         text=True, check=True, env=server.server_env())
    return json.loads(out.stdout) | {"import_line_list_rows": rows.height}


def line_list_peak(csv_path: str) -> None:
    import resource
    import shutil

    from phdt import versions
    from phdt.dataset import ensure, load
    from phdt.imports import files, pipeline

    work = Path(tempfile.mkdtemp())
    shutil.copytree(ensure(), work / "data")
    root = work / "versions"
    versions.bootstrap(root, work / "data")
    current = load(versions.current(root))
    limits = files.Limits(max_bytes=500_000_000, max_rows=2 * LINE_LIST_ROWS, max_cells=50 * LINE_LIST_ROWS)
    t0 = time.perf_counter()
    prepared = pipeline.prepare(Path(csv_path).read_bytes(), "ptm.csv", "ptm_skrining", current, limits=limits)
    pipeline.commit(prepared, current, "bench", replace=False, root=root)
    print(json.dumps({"import_line_list_s_1m": round(time.perf_counter() - t0, 1),
                      "import_line_list_peak_mb_1m": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def coverage_figures() -> dict:
    """Facility distance analysis (desa_points + nearest_facilities + access), files already read."""
    from geo import boundaries, coverage
    from phdt.dataset import load

    data = load()
    layer = boundaries.load_layer("desa", boundaries.expected_codes(data.wilayah, "desa"))
    penduduk = coverage.penduduk_from_sasaran(data.sasaran)
    t0 = time.perf_counter()
    coverage.analyse(layer.gdf if layer else None, data.wilayah, data.fasilitas, penduduk)
    return {"coverage_analysis_s": round(time.perf_counter() - t0, 3),
            "coverage_analysis_s_province": round(coverage.province_benchmark(settings().geo_dir), 3)}


PROVINCE_DIR = ROOT / "var" / "province"


def province_env() -> dict:
    """Environment for the app on the synthetic Jawa Tengah dataset (built once into var/province)."""
    import os

    from phdt import province

    if not (PROVINCE_DIR / "manifest.json").exists():
        province.build(PROVINCE_DIR, settings().geo_dir)
    config = PROVINCE_DIR / "config.toml"
    config.write_text(f'boundary_files = "{province.PREFIX}"\n', encoding="utf-8")
    return {**os.environ, "PHDT_CONFIG": str(config), "PHDT_DATA_DIR": str(PROVINCE_DIR)}


def province_figures() -> dict:
    """Peta on all of Jawa Tengah: the kecamatan map's readiness in a browser (server started and
    warmed up as `make run` does) and the desa map payload (AppTest, in a process of its own so
    the province settings and caches stay apart from the kabupaten figures)."""
    import shutil

    env = province_env()
    subprocess.run([sys.executable, "-m", "geo.boundaries", "build"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    with server.running(env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.wait_for_selector(RENDERED, timeout=120_000)
        t0 = time.perf_counter()  # as for the kabupaten: from Ringkasan to the drawn Peta
        page.get_by_role("link", name="Peta").click()
        page.wait_for_function(POLYGONS_DRAWN, timeout=120_000)
        ready = {"peta_ready_s_province_kecamatan": round(time.perf_counter() - t0, 2)}
        t0 = time.perf_counter()
        page.get_by_test_id("stButtonGroup").get_by_text("Desa/kelurahan").click()
        page.wait_for_function(f"({POLYGON_COUNT})() >= 8563", timeout=120_000)
        ready["peta_ready_s_province_desa"] = round(time.perf_counter() - t0, 2)
        ready.update(dojo_figures(page, "_province"))
        browser.close()
    out = subprocess.run([sys.executable, str(Path(__file__)), "province-payload"], env=env, cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return {**ready, **json.loads(out.stdout.strip().splitlines()[-1])}


def province_payload() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["tingkat"] = "desa"
    at.run()
    at.switch_page("pages/peta_page.py")
    at.run()
    payload = next(c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium")
    print(json.dumps({"map_html_kb_province_desa": round(len(payload.proto.json_args.encode()) / 1024)}))


def main() -> None:
    if sys.argv[1:] == ["province-payload"]:
        province_payload()
        return
    if sys.argv[1:2] == ["line-list-peak"]:
        line_list_peak(sys.argv[2])
        return
    figures = {**browser_figures(), **apptest_figures(), **briefing_figures(), **quality_figures(), **import_figures(),
               **pws_workbook_figures(), **line_list_peak_figures(),
               **aggregation_figures(), **coverage_figures(), **province_figures()}
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
