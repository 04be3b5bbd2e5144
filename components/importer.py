"""The Data page's steps: sign in, upload, map columns, read the validation report, confirm and
commit a new dataset version, or restore an earlier one. All checks live in phdt.imports."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import streamlit as st

from components import auth, data, tables
from components.i18n import lang, number, signed, t
from components.text import md_escape
from phdt import versions
from phdt.config import settings
from phdt.imports import apply, files, layout, normalise, parse, pipeline, validate
from phdt.roles import Forbidden, Right, require
from phdt.texts import render


def allowed() -> bool:
    """Whether the signed-in user may import and restore (checked again at each write)."""
    user = auth.user()
    if user is None or not user.can(Right.MANAGE_DATA):
        st.info(t("data_not_allowed"), icon=":material/lock:")
        return False
    return True


def _author() -> str:
    """The author of a write, from the signed-in user at the moment of writing; Forbidden otherwise."""
    return require(auth.user(), Right.MANAGE_DATA).author


def upload() -> tuple[bytes, str] | None:
    round_ = st.session_state.get("data_upload_round", 0)  # a new key after each import: the done file is gone
    mb = settings().max_upload_mb
    uploaded = st.file_uploader(t("data_upload"), key=f"data_file_{round_}", help=t("data_upload_help", mb=mb),
                                max_upload_size=mb)
    if uploaded is None:
        return None
    return uploaded.getvalue(), uploaded.name


def choose(content: bytes, name: str) -> pipeline.Prepared | None:
    """Family, sheet and column mapping; returns the validated import (cached per choice)."""
    families = {f: t(f"family_{f}") for f in pipeline.FAMILIES}
    family = st.selectbox(t("data_family"), list(families), format_func=families.__getitem__, key="data_family")
    limits = pipeline.upload_limits()
    try:
        sheets = _sheets(content, name, limits)
    except files.FileRejected as exc:
        st.error(md_escape(render(exc, lang())), icon=":material/block:")
        return None
    chosen = _chosen_sheets(sheets, family)
    formulas = sum(sheets[i].formulas for i in chosen)
    if formulas:
        st.warning(t("data_formulas", n=formulas))
    period = puskesmas = None
    if family == pipeline.WIDE or family in normalise.LINE_LISTS:
        puskesmas = _puskesmas(sheets[chosen[0]], family)
    if family == pipeline.WIDE:  # one month per sheet, indicators recognised from the column groups
        found = layout.read(sheets[chosen[0]].rows)
        if len(chosen) == 1:
            period = _period(sheets[chosen[0]])
        else:
            months = ", ".join(f"{md_escape(sheets[i].name)} ({_month(pipeline.sheet_period(sheets[i]))})" for i in chosen)
            st.caption(t("data_wide_sheets", months=months))
        found_slugs = [slug for slug in parse.wide_groups(found.headers) if not slug.startswith("_")]
        st.caption(t("data_wide_found", indicators=", ".join(found_slugs) or "–"))
        mapping = {}
    else:
        mapping = _mapping(parse.flatten_header(sheets[chosen[0]].rows)[0], family)
    if family == normalise.SASARAN_FAMILY and "tahun" not in mapping.values():
        period = _sasaran_year()
    key = (st.session_state["data_upload_sheets"][0], family, tuple(chosen), tuple(sorted(mapping.items())), period,
           puskesmas, data.dataset().version, lang())  # another language: the report is written again
    if st.session_state.get("data_prepared_key") != key:
        try:
            with st.spinner(t("data_checking")):
                st.session_state["data_prepared"] = pipeline.prepare(
                    content, name, family, data.dataset(), sheet=chosen, mapping=mapping or None, period=period,
                    puskesmas=puskesmas, limits=limits, language=lang())
        except ValueError as exc:  # FileRejected too: e.g. a chosen sheet whose month is not named
            st.error(md_escape(render(exc, lang())), icon=":material/block:")
            return None
        st.session_state["data_prepared_key"] = key
    return st.session_state["data_prepared"]


def _sasaran_year() -> date:
    """The year of a sasaran file without a Tahun column: that of the latest month, or the next."""
    latest = data.dataset().periods[-1].year
    years = [latest + 1, latest, latest - 1]
    return date(st.selectbox(t("data_year"), years, index=1, key="data_year"), 1, 1)


def _chosen_sheets(sheets: list[files.Sheet], family: str) -> list[int]:
    """Visible sheets on offer (hidden ones on request); every month sheet of a PWS workbook at once."""
    hidden = any(sheet.hidden for sheet in sheets) and st.checkbox(t("data_show_hidden"), key="data_show_hidden")
    offered = [i for i, sheet in enumerate(sheets) if hidden or not sheet.hidden] or list(range(len(sheets)))
    label = {i: f"{i + 1}: {sheets[i].name}" for i in offered}
    default = pipeline.default_sheets(sheets, family, pipeline.puskesmas_names(data.dataset().wilayah))
    if len(default) > 1:
        chosen = st.multiselect(t("data_sheets"), offered, default=default, format_func=label.__getitem__,
                                key="data_sheets")
        return chosen or default
    if len(offered) == 1:
        return offered
    return [st.selectbox(t("data_sheet"), offered, index=offered.index(default[0]) if default[0] in offered else 0,
                         format_func=label.__getitem__, key="data_sheet")]


def _period(sheet: files.Sheet) -> date:
    """The month of a wide sheet: the one its title or name gives first, then the usual choices."""
    detected = pipeline.sheet_period(sheet)
    periods = list(dict.fromkeys([p for p in (detected, *_next_months()) if p]))
    return st.selectbox(t("data_period"), periods, format_func=_month, key=f"data_period_{detected}")


def _month(period: date | None) -> str:
    return f"{period:%Y-%m}" if period else "–"


def _next_months() -> list:
    """The month after the latest loaded one first, then the loaded months, newest first."""
    latest = data.dataset().periods[-1]
    following = latest.replace(year=latest.year + latest.month // 12, month=latest.month % 12 + 1)
    return [following, *reversed(data.dataset().periods)]


def _puskesmas(sheet: files.Sheet, family: str) -> str | None:
    """Whose export this is (the one its title names first): its desa are matched within its
    wilayah kerja, and in a line list each of them reported (no record is none)."""
    names = pipeline.puskesmas_names(data.dataset().wilayah)
    detected = layout.find_puskesmas(layout.title(sheet.rows), names)
    every = t("data_puskesmas_all" if family == pipeline.WIDE else "data_puskesmas_file")
    return st.selectbox(t("data_puskesmas"), [None, *names], index=names.index(detected) + 1 if detected else 0,
                        format_func=lambda p: p or every, key=f"data_puskesmas_{family}_{detected}")


def _sheets(content: bytes, name: str, limits: files.Limits) -> list[files.Sheet]:
    """The upload read once, not again on every rerun while the user maps columns or types a name;
    kept in this session only (a line list holds NIKs and names)."""
    digest = hashlib.sha256(content).hexdigest()
    held = st.session_state.get("data_upload_sheets")
    if held is None or held[0] != digest:
        st.session_state["data_upload_sheets"] = held = (digest, files.read_table(content, name, limits))
    return held[1]


def _mapping(headers: list[str], family: str) -> dict[int, str]:
    """Recognised columns, a saved profile, and the user's own choices (a data editor)."""
    folder = settings().profiles_dir
    profiles = ["", *parse.list_profiles(folder)]
    labels = {p: p or t("data_profile_none") for p in profiles}  # labels now, in the session's language
    chosen = st.selectbox(t("data_profile"), profiles, format_func=labels.__getitem__, key="data_profile")
    profile = parse.load_profile(folder, chosen) if chosen else None
    guessed = parse.recognise(headers, family, profile)
    fields = ["", *parse.FAMILIES[family]]
    table = pl.DataFrame({t("data_column"): headers, t("data_field"): [guessed.get(i, "") for i in range(len(headers))]})
    with st.expander(t("data_mapping", n=len(guessed), total=len(headers)), expanded=len(guessed) < len(headers)):
        edited = st.data_editor(table, hide_index=True, disabled=[t("data_column")], key=f"data_map_{family}",
                                column_config={t("data_field"): st.column_config.SelectboxColumn(options=fields)})
        name = st.text_input(t("data_profile_name"), key="data_profile_name")
        if st.button(t("data_profile_save")) and name:
            try:
                parse.save_profile(folder, name, dict(zip(edited[t("data_column")], edited[t("data_field")].fill_null(""),
                                                          strict=True)))
                st.success(t("data_profile_saved", name=md_escape(name)))
            except ValueError as exc:
                st.error(md_escape(render(exc, lang())))
    return {i: f for i, f in enumerate(edited[t("data_field")].to_list()) if f}


def report(prepared: pipeline.Prepared) -> None:
    checked = prepared.validation
    months = ", ".join(f"{p:%Y-%m}" for p in prepared.periods) or "–"
    st.markdown(t("data_summary", rows=checked.clean.height, errors=checked.errors, warnings=checked.warnings,
                  months=months))
    if checked.report.height:
        severity = {"error": t("dq_error"), "warning": t("dq_warning")}
        shown = checked.report.with_columns(pl.col("severity").replace_strict(severity))
        st.dataframe(shown.rename({c: t(f"report_{c}") for c in shown.columns}), hide_index=True, key="data_report")
        left, right = st.columns(2)
        # Built when clicked, not on every rerun (and no stale file is left behind by the next run).
        left.download_button(t("data_report_csv"), lambda: validate.report_bytes(checked.report, "csv", lang()),
                             file_name="laporan-validasi.csv", mime="text/csv", on_click="ignore")
        right.download_button(t("data_report_xlsx"), lambda: validate.report_bytes(checked.report, "xlsx", lang()),
                              file_name="laporan-validasi.xlsx", on_click="ignore")


def confirm_and_commit(prepared: pipeline.Prepared) -> None:
    """Errors block; months already loaded need an explicit choice, warnings a confirmation; the
    dry run shows what the choice changes before anything is written."""
    if prepared.blocked:
        st.error(t("data_blocked"), icon=":material/block:")
        return
    replace = False
    if prepared.loaded:
        months = ", ".join(f"{p:%Y-%m}" for p in prepared.loaded)
        choice = st.radio(t("data_loaded", months=months), ["keep", "replace"], key="data_replace",
                          format_func=lambda c: t(f"data_{c}_{'rows' if _line_list(prepared) else 'cells'}"))
        replace = choice == "replace"
    with st.spinner(t("data_checking")):
        result = prepared.outcome(data.dataset(), replace=replace)
    dry_run(result)
    accepted = not prepared.validation.warnings or st.checkbox(t("data_accept_warnings"), key="data_accept")
    if st.button(t("data_commit"), type="primary", disabled=not accepted):
        try:
            version = pipeline.commit(prepared, data.dataset(), _author(), replace=replace)
        except (ValueError, OSError, Forbidden) as exc:
            st.error(md_escape(render(exc, lang())))
            return
        st.session_state.pop("data_prepared_key", None)
        st.session_state["data_upload_round"] = st.session_state.get("data_upload_round", 0) + 1  # empty uploader
        st.session_state["data_notice"] = t("data_committed", version=version, months=", ".join(
            f"{p:%Y-%m}" for p in prepared.periods))
        st.rerun()


def _line_list(prepared: pipeline.Prepared) -> bool:
    return prepared.family in normalise.LINE_LISTS


def dry_run(result: apply.Outcome, shown: int = 200) -> None:
    """What the import changes, biggest change first (nothing is written yet)."""
    st.subheader(t("data_dry_run"))
    if not result.cells_changed:
        st.info(t("data_dry_run_none"))
        return
    changes = apply.labelled(result.changes, data.dataset().wilayah, lang())
    st.markdown(t("data_dry_run_summary", n=number(result.cells_changed), desa=number(changes["kode_desa"].n_unique()),
                  indicators=number(changes["indicator_code"].n_unique())))
    if result.later:
        st.warning(t("data_dry_run_later", months=", ".join(f"{p:%Y-%m}" for p in result.later)),
                   icon=":material/update:")
    language = lang()
    top = changes.head(shown)
    tables.show(pl.DataFrame({
        t("dry_period"): [f"{p:%Y-%m}" for p in top["period"]],
        t("col_desa"): top["nama_desa"], t("col_kecamatan"): top["nama_kecamatan"],
        t("dry_indicator"): top["indicator"],
        t("dry_before"): [_value(v, language) for v in top["value_before"]],
        t("dry_after"): [_value(v, language) for v in top["value_after"]],
        t("dry_change"): [signed(v, language) if v is not None else "–" for v in top["change"]],
        t("dry_people_before"): [_count(v, language) for v in top["numerator_cum_before"]],
        t("dry_people_after"): [_count(v, language) for v in top["numerator_cum_after"]],
        t("dry_sasaran_after"): [_count(v, language) for v in top["denominator_after"]],
    }), key="data_dry_run", file_name="pratinjau-impor")
    if result.cells_changed > shown:
        st.caption(t("data_dry_run_more", shown=number(shown), n=number(result.cells_changed)))


def _value(value: float | None, language: str) -> str:
    return "–" if value is None else f"{number(value, 1, language)} %"


def _count(value: int | None, language: str) -> str:
    return "–" if value is None else number(value, 0, language)


def _months(periods: list[str]) -> str:
    """A version's months, as a range when there are many (the first version holds years)."""
    months = sorted(p[:7] for p in periods)
    return ", ".join(months) if len(months) <= 3 else f"{months[0]} – {months[-1]} ({len(months)})"


def history() -> None:
    """Every version with who/when/what; any earlier one can be made current again."""
    st.subheader(t("data_history"))
    rows = versions.history()
    tables.show(pl.DataFrame([{
        "ID": r["id"], t("rtl_when"): r.get("when", "")[:16].replace("T", " "), t("rtl_who"): r.get("who", ""),
        t("data_file"): r.get("file_name") or "–", t("data_months"): _months(r.get("periods") or []),
        t("data_current"): "✓" if r.get("current") else "",
    } for r in rows]), key="data_versions")
    older = [r["id"] for r in rows if not r.get("current")]
    if not older:
        return
    with st.form("data_restore"):
        target = st.selectbox(t("data_restore_pick"), older, key="data_restore_id")
        if st.form_submit_button(t("data_restore")):
            try:
                versions.restore(None, target, _author())
            except (ValueError, Forbidden) as exc:  # e.g. the version was removed meanwhile
                st.error(md_escape(render(exc, lang())))
                return
            st.session_state["data_notice"] = t("data_restored", version=target)
            st.rerun()
