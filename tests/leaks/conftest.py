"""Fixtures for the leak tests: the bundled samples and a generated 1,000-confidential directory."""

from __future__ import annotations

import pytest

from leaks import _generated
from leaks._leakcheck import secrets_of

_CACHE: dict = {}  # test-session cache of loaded fixtures (bundled/generated data only)


def _units(country: str):
    from geomap import pipeline

    if ("units", country) not in _CACHE:
        _CACHE["units", country] = pipeline.load_units(country)
    return _CACHE["units", country]


@pytest.fixture(scope="session")
def nga_units():
    return _units("NGA")


def load_case(name: str):
    """(label, units, full directory, secrets) for "NGA"/"MEX" (bundled sample) or "generated"."""
    if name in _CACHE:
        return _CACHE[name]
    from geomap import pipeline

    if name == "generated":
        units = _units("NGA")
        directory = _generated.resolved_directory(units, country="NGA")
        out = ("generated NGA", units, directory, secrets_of(directory))
    else:
        path = pipeline.sample_directory_path(name)
        if path is None:
            pytest.skip(f"no bundled sample directory for {name} yet")
        units = _units(name)
        directory = pipeline.load_directory(path, units=units, country=name)
        out = (f"sample {name}", units, directory, secrets_of(directory))
    _CACHE[name] = out
    return out


@pytest.fixture(params=["NGA", "MEX", "generated"])
def case(request):
    """Each bundled sample and the generated directory: (label, units, directory, secrets)."""
    return load_case(request.param)


@pytest.fixture(params=["NGA", "MEX"])
def sample(request):
    """Each bundled sample: (country, units, directory, secrets)."""
    _label, units, directory, secrets = load_case(request.param)
    return request.param, units, directory, secrets


@pytest.fixture()
def generated():
    """(directory, secrets) of the generated 1,000-confidential directory."""
    _label, _units, directory, secrets = load_case("generated")
    return directory, secrets
