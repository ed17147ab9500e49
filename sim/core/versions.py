"""The releases of the libraries whose behaviour natsim's answers depend on, checked before a command runs.

The ranges live once, in pyproject.toml (`[project] dependencies`); this module reads them back from the
installed package's metadata. An unsupported release gives a clear message instead of a wrong answer:
the compiled logistics loop reproduces SimPy's event order and uses numba's options, routes come from
OR-Tools' solver, siting from HiGHS through SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from packaging.requirements import Requirement
from packaging.version import Version

from sim.core.i18n import _

# The libraries whose release can change a result (the others only draw or parse).
RESULT_DEPENDENCIES = ("simpy", "numba", "numpy", "scipy", "ortools")


@dataclass(frozen=True)
class Unsupported:
    package: str
    installed: str
    supported: str

    def message(self) -> str:
        return _(
            "{package} {installed} is installed, but natsim is tested with {package}{supported}: its "
            "results could differ. Install a supported release: pip install '{package}{supported}'"
        ).format(package=self.package, installed=self.installed, supported=self.supported)


def supported_ranges() -> dict[str, str]:
    """Each dependency's supported range as pyproject.toml gives it ({} when natsim is not installed)."""
    try:
        requires = metadata.requires("natsim") or []
    except metadata.PackageNotFoundError:
        return {}
    ranges = {}
    for text in requires:
        req = Requirement(text)
        if req.marker is None:  # extras' requirements carry an `extra == ...` marker
            ranges[req.name.lower()] = str(req.specifier)
    return ranges


def unsupported(installed: dict[str, str] | None = None) -> list[Unsupported]:
    """The result-bearing dependencies installed outside their supported range."""
    ranges = supported_ranges()
    found = []
    for package in RESULT_DEPENDENCIES:
        if package not in ranges:
            continue
        try:
            version = installed[package] if installed is not None else metadata.version(package)
        except (KeyError, metadata.PackageNotFoundError):
            continue
        if not Requirement(f"{package}{ranges[package]}").specifier.contains(Version(version), prereleases=True):
            found.append(Unsupported(package, version, ranges[package]))
    return found


def installed_versions(packages: tuple[str, ...] = (*RESULT_DEPENDENCIES, "babel")) -> str:
    """One line: `simpy 4.1.2, numba 0.68.1, ...` (what CI prints, so a fresh machine's failure can be read)."""
    parts = []
    for package in packages:
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} -")
    return ", ".join(parts)


if __name__ == "__main__":
    print(installed_versions())
