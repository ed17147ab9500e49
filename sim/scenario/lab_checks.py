"""Checks of the lab network (docs/labs.md): overflow goes to labs that exist, never back to itself or
round a cycle, and external labs are reached only by trunk."""

from __future__ import annotations

from sim.core.i18n import _
from sim.scenario.problems import did_you_mean


def check_lab_network(checks, used: dict[str, tuple]) -> None:
    """`checks` is the scenario's `_Checks` (its labs, its `add`); `used` the labs points send tubes to."""
    labs = checks.sc.labs
    names = [lab.name for lab in labs]
    for i, lab in enumerate(labs):
        if lab.external and lab.name in used:
            checks.add(
                used[lab.name],
                _(
                    "lab '{name}' is external (reached only by other labs' overflow): no points may send tubes to it"
                ).format(name=lab.name),
            )
        if lab.overflow is None:
            continue
        for k, target in enumerate(lab.overflow.to):
            at = ("labs", i, "overflow", "to", k)
            if target == lab.name:
                checks.add(at, _("lab '{name}' cannot send its overflow to itself").format(name=lab.name))
            elif target not in names:
                checks.add(at, no_lab(target, names))
    if cycle := overflow_cycle(labs):
        i = names.index(cycle[0])
        checks.add(
            ("labs", i, "overflow", "to"),
            _("overflow goes round a cycle, {cycle}: tubes sent on could come back; send overflow one way").format(
                cycle=" -> ".join(cycle)
            ),
        )


def overflow_cycle(labs) -> list[str]:
    """The first cycle of overflow links (names, the first repeated at the end), or [] when there is none."""
    links = {lab.name: [t for t in lab.overflow.to if t != lab.name] if lab.overflow else [] for lab in labs}
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> list[str]:
        state[name] = 1
        for nxt in links.get(name, []):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [name, nxt] if nxt in path else [name, nxt]
            if state.get(nxt) is None and nxt in links and (found := visit(nxt, path + [name])):
                return found
        state[name] = 2
        return []

    for lab in labs:
        if state.get(lab.name) is None and (found := visit(lab.name, [])):
            return found
    return []


def no_lab(name: str, lab_names: list[str]) -> str:
    """'no lab named ...', with the nearest name or the list of labs."""
    hint = did_you_mean(name, lab_names) or _("; labs are: {labs}").format(labs=", ".join(lab_names))
    return _("no lab named '{name}'").format(name=name) + hint
