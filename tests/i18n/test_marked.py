"""Every user-visible string in pages, layers, reports and the CLI is marked for translation.

An AST check, not a regex over the source: it looks at the places text reaches a person —
Streamlit calls (labels, help, placeholders, messages), ``print`` in the CLI, report sections
and document titles, map labels and legends — and fails on a string literal or f-string with
words in it that is not passed through ``_()``/``ngettext()``/``N_()``. It also fails on a
translation call inside an f-string: Babel cannot extract it, so it would never be translated.

Non-text literals that may stand as they are (names, file names, symbols) are in ALLOWED.
Modules still to be translated are listed in PENDING; a test keeps that list honest (a module
in it must still have unmarked text, so translating one means removing it from the list).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCOPE = sorted(
    [ROOT / "app.py", ROOT / "geomap" / "cli.py"]
    + list((ROOT / "geomap" / "pages").glob("*.py"))
    + list((ROOT / "geomap" / "layers").glob("*.py"))
    + list((ROOT / "geomap" / "report").glob("*.py"))
    + list((ROOT / "geomap" / "cli_commands").glob("*.py"))
)
#: Modules whose text is not translated yet (see the README's "Translations" section).
PENDING: set[str] = set()

#: Literal texts that are not language (a product name, symbols, formats).
ALLOWED = {"geomap", "CSV", "HTML", "XLSX", "GeoJSON", "HSDS", "HXL", "OK"}

_GETTEXT = {"_", "gettext", "ngettext", "pgettext", "npgettext", "N_"}
#: Streamlit (and container) methods whose first argument and text keywords are read by people.
_ST_TEXT = {
    "title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning", "error",
    "success", "toast", "metric", "button", "download_button", "link_button", "checkbox", "toggle", "radio",
    "selectbox", "multiselect", "select_slider", "slider", "text_input", "text_area", "number_input",
    "date_input", "file_uploader", "expander", "popover", "spinner", "status", "form_submit_button",
    "page_link", "set_page_config", "Page", "tabs",
}
#: Keyword arguments that carry text a person reads, wherever they appear.
_TEXT_KW = {"label", "help", "placeholder", "caption", "title", "subtitle", "no_data_label", "page_title", "x_label",
            "y_label", "measure_label", "aliases", "name", "tooltip", "tooltip_columns"}
#: Variables whose literal value is text for people (``caption = "..."``).
_TEXT_VARS = {"text", "caption", "label", "title", "headline", "note", "notice", "subtitle"}
#: Calls whose first positional argument is read by people.
_TEXT_CALLS = {"print", "Section", "page", "_err"}

_TAG = re.compile(r"<[^>]*>|&[a-z]+;|\{[^{}]*\}")
_WORD = re.compile(r"[^\W\d_]{2,}")


def _has_words(text: str) -> bool:
    bare = _TAG.sub(" ", text)
    words = _WORD.findall(bare)
    return bool(words) and bare.strip() not in ALLOWED and not all(w in ALLOWED for w in words)


def _literal_text(node: ast.AST) -> str | None:
    """The literal text of a str constant, f-string or concatenation of them (None if not literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        parts = [p for p in (left, right) if p is not None]
        return " ".join(parts) if parts else None
    if isinstance(node, ast.IfExp):
        parts = [_literal_text(node.body), _literal_text(node.orelse)]
        return " ".join(p for p in parts if p) or None
    if isinstance(node, ast.Dict):
        parts = [_literal_text(v) for v in node.values]
        return " ".join(p for p in parts if p) or None
    if isinstance(node, ast.List | ast.Tuple):
        parts = [_literal_text(e) for e in node.elts]
        return " ".join(p for p in parts if p) or None
    return None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _flag_lambda_text(fn: ast.Lambda, flag) -> None:
    """Literal text an option label lambda returns outside a translation call."""
    marked = {id(c) for call in ast.walk(fn) if isinstance(call, ast.Call) and _name(call.func) in _GETTEXT for c in ast.walk(call)}
    # keyword values (vocabulary="population") are identifiers, not text
    marked |= {id(kw.value) for call in ast.walk(fn) if isinstance(call, ast.Call) for kw in call.keywords}
    for c in ast.walk(fn.body):
        if isinstance(c, ast.Constant) and isinstance(c.value, str) and id(c) not in marked:
            flag(c)


def unmarked(path: Path) -> list[str]:
    """``file:line: text`` for every unmarked user-visible literal in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    found: list[str] = []

    def flag(node: ast.AST, why: str) -> None:
        text = _literal_text(node)
        if text is not None and _has_words(text):
            found.append(f"{rel}:{node.lineno}: {why}: {text[:70]!r}")

    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call) and _name(sub.func) in _GETTEXT:
                    found.append(f"{rel}:{sub.lineno}: translation call inside an f-string (Babel cannot extract it)")
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in _TEXT_VARS for t in node.targets):
            flag(node.value, "text variable")
        if not isinstance(node, ast.Call) or _name(node.func) in _GETTEXT:
            continue
        name = _name(node.func)
        is_st = isinstance(node.func, ast.Attribute) and name in _ST_TEXT
        if (is_st or name in _TEXT_CALLS) and node.args:
            flag(node.args[0], f"{name}()")
        for kw in node.keywords:
            if kw.arg in _TEXT_KW or (is_st and kw.arg in {"help", "placeholder", "label"}):
                flag(kw.value, f"{name}({kw.arg}=)")
            if kw.arg == "format_func" and isinstance(kw.value, ast.Lambda):
                _flag_lambda_text(kw.value, lambda c: flag(c, f"{name}(format_func=)"))
    return found


@pytest.mark.parametrize("path", [p for p in SCOPE if p.relative_to(ROOT).as_posix() not in PENDING], ids=lambda p: p.name)
def test_user_visible_text_is_marked_for_translation(path):
    problems = unmarked(path)
    assert not problems, "unmarked text (wrap it in _() or ngettext()):\n" + "\n".join(problems)


@pytest.mark.parametrize("rel", sorted(PENDING))
def test_pending_modules_are_still_pending(rel):
    # A module on the list with nothing unmarked left must leave the list (so the check covers it).
    assert unmarked(ROOT / rel), f"{rel} is fully marked: remove it from PENDING"


def test_the_check_catches_unmarked_text(tmp_path):
    sample = tmp_path / "probe.py"
    sample.write_text('import streamlit as st\nst.title("Coverage")\nst.caption(f"{n} units")\nst.title(_("Fine"))\n'
                      'print(f"wrote {_(\'Inside\')}")\nst.selectbox(_("L"), [], format_func=lambda x: x or "Any language")\n'
                      'st.selectbox(_("L"), [], format_func=lambda x: x or _("Any language"))\n', encoding="utf-8")
    problems = unmarked(sample)
    assert len(problems) == 5, problems  # title, caption, print(f-string), the call inside the f-string, format_func
