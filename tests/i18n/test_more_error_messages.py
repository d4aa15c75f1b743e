"""More errors a person reads when a file is bad (project files, rasters, demand points, mappings,
the store): English exactly as the text of the exception, said in Spanish, French and Arabic where
shown (:func:`geomap.i18n.error_text`: the pages, the CLI)."""

from __future__ import annotations

import pickle

import pytest

from geomap import i18n
from geomap.i18n import Message
from geomap.projects import readers as project_readers
from geomap.projects import schema as project_schema
from i18n._english import english_in

LANGS = ["es", "fr", "ar"]


def _check(call, english: str, lang: str) -> None:
    """``call`` raises an error whose English is ``english`` and whose ``lang`` text has no English left."""
    with pytest.raises(ValueError) as info:
        call()
    err = info.value
    assert str(err) == english
    assert isinstance(err.args[0], Message) and i18n.error_text(err, "en") == english
    assert str(pickle.loads(pickle.dumps(err))) == english  # worker processes copy errors
    text = i18n.error_text(err, lang)
    assert text != english and not english_in(text, lang), text


#: Bad project (3W) files: the reader call and the English it said before its errors were messages.
BAD_PROJECT_FILES = {
    "no unit column": (lambda: project_readers.read_projects(b"Project,Partner\nUno,Z\n", filename="3w.csv"),
                       "3w.csv: no column names the admin-1 unit(s) of each project; headers found: Project, Partner; name one "
                       "'admin1_code' or 'admin1_name' (or tag it #adm1+code / #adm1+name), or pass mapping={header: 'admin1_name'}"),
    "no project column": (lambda: project_readers.read_projects(b"Partner,State\nZ,Jalisco\n", filename="3w.csv"),
                          "3w.csv: no column names the project; headers found: Partner, State; name one 'project' (or tag it "
                          "#activity), or pass mapping={header: 'project'}"),
    "mapping target": (lambda: project_schema.map_project_headers(["Nombre"], overrides={"Nombre": "nombre"}),
                       "mapping target 'nombre' is not a project field; valid fields: "
                       + ", ".join(project_schema.PROJECT_FIELD_NAMES)),
}


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", list(BAD_PROJECT_FILES))
def test_project_file_errors(name, lang):
    call, english = BAD_PROJECT_FILES[name]
    _check(call, english, lang)
