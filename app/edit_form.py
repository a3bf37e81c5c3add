"""The session side of a versioned edit, without Streamlit: a form's widgets seeded from the
record, the version and values the person started from (the base a save is checked
against), and a pending conflict with its resolution. ``state`` is ``st.session_state`` on a
page, a dict in tests.

    form = EditForm("jobs_edit_x", {"status": "jobs_edit_status_x", ...})
    form.track(state, version, fields)          # before the widgets are drawn
    version, base = form.base(state); mine = form.mine(state)
    result = team.save_job(..., base_version=version, base=base, mine=mine)
    form.after(state, result, mine)             # in the Save callback
    form.resolve(state, "theirs" | "mine" | "both")  # -> what to save again, or None
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from app.team import SaveResult, merged_notes

CHOICES = ("theirs", "mine", "both")


@dataclass(frozen=True, slots=True)
class EditForm:
    """One record's edit form: ``keys`` maps each field to its widget key."""

    prefix: str
    keys: Mapping[str, str]

    @property
    def base_key(self) -> str:
        return f"{self.prefix}_base"

    @property
    def conflict_key(self) -> str:
        return f"{self.prefix}_conflict"

    @property
    def others_key(self) -> str:
        return f"{self.prefix}_others"

    def _seed(self, state: MutableMapping[str, Any], version: int, fields: Mapping[str, Any]) -> None:
        for name, key in self.keys.items():
            state[key] = fields[name]
        state[self.base_key] = (version, {n: fields[n] for n in self.keys})

    def track(self, state: MutableMapping[str, Any], version: int, fields: Mapping[str, Any]) -> None:
        """Seed the widgets the first time; later, when the record moved on and the person
        has changed nothing, show the new values (their edits in progress are kept)."""
        base = state.get(self.base_key)
        if base is None or any(key not in state for key in self.keys.values()) or base[0] != version and not self.changed(state) and self.conflict_key not in state:
            self._seed(state, version, fields)

    def base(self, state: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        version, fields = state[self.base_key]
        return int(version), dict(fields)

    def mine(self, state: Mapping[str, Any]) -> dict[str, Any]:
        return {name: state[key] for name, key in self.keys.items()}

    def changed(self, state: Mapping[str, Any]) -> bool:
        _, base = self.base(state)
        return any(state.get(key) != base[name] for name, key in self.keys.items())

    def after(self, state: MutableMapping[str, Any], result: SaveResult,
              mine: Mapping[str, Any]) -> None:
        """After a save: on success the widgets show the record as saved (with others' kept
        changes); on a conflict nothing moves and the conflict waits for a choice."""
        if result.conflicts:
            state[self.conflict_key] = (result, dict(mine))
            return
        state.pop(self.conflict_key, None)
        state[self.others_key] = result.others
        self._seed(state, result.version, result.current)

    def resolve(self, state: MutableMapping[str, Any], choice: str
                ) -> tuple[int, dict[str, Any], dict[str, Any]] | None:
        """(version, base, mine) to save again for ``choice`` on the pending conflict: keep
        theirs, apply mine, or keep both (notes; other fields then take mine). None when
        there is nothing left to save."""
        if choice not in CHOICES:
            raise ValueError(f"choose one of {', '.join(CHOICES)}, not {choice!r}")
        pending = state.pop(self.conflict_key, None)
        if pending is None:
            return None
        result, mine = pending
        chosen = dict(mine)
        for c in result.conflicts:
            if choice == "theirs":
                chosen[c.field] = c.theirs
            elif choice == "both" and c.field == "notes":
                chosen[c.field] = merged_notes(c.theirs, c.mine)
        self._seed(state, result.version, result.current)
        if chosen == {n: result.current[n] for n in chosen}:
            return None
        return result.version, dict(result.current), chosen
