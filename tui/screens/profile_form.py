"""Create or edit a profile (modal): name, kids, maturity rating, language, avatar, preferred quality."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.screens.base import OttModal

RATINGS = [("U (all ages)", "U"), ("U/A (with guidance)", "U/A"), ("A (adults)", "A")]
LANGUAGES = [("English", "en"), ("हिन्दी (Hindi)", "hi")]
QUALITIES = [(q, q) for q in ("auto", "108p", "144p", "360p", "480p", "720p", "1080p")]


class ProfileFormScreen(OttModal[dict[str, Any] | None]):
    """Dismisses with the fields to send, or None when cancelled."""

    DEFAULT_CSS = """
    ProfileFormScreen { align: center middle; }
    ProfileFormScreen > Vertical { width: 60; height: auto; max-height: 100%; border: thick $accent;
        background: $surface; padding: 0 1; overflow-y: auto; }
    ProfileFormScreen Horizontal { height: auto; }
    ProfileFormScreen Select { width: 1fr; }
    ProfileFormScreen Button { margin-right: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="profile_form.cancel")]

    def __init__(self, *, profile: dict[str, Any] | None = None) -> None:
        """Edit ``profile``, or create a new one when None."""
        super().__init__()
        self.profile = profile or {}

    def compose(self) -> ComposeResult:
        """The fields."""
        p = self.profile
        with Vertical():
            yield Label("Edit profile" if p else "New profile", classes="heading")
            yield Input(p.get("name", ""), placeholder="name", id="pf-name")
            yield Checkbox("Kids profile (rated U only)", bool(p.get("is_kids_profile")), id="pf-kids")
            with Horizontal():
                yield Select(RATINGS, value=p.get("maturity_rating") or "U/A", allow_blank=False, id="pf-rating")
                yield Select(LANGUAGES, value=p.get("language_preference") or "en", allow_blank=False, id="pf-lang")
            with Horizontal():
                yield Select(QUALITIES, value=p.get("preferred_quality") or "auto", allow_blank=False,
                             id="pf-quality")
            yield Input(p.get("avatar_url") or "", placeholder="avatar URL (optional)", id="pf-avatar")
            yield Static("", id="pf-error", classes="error-text")
            with Horizontal():
                yield Button("Save", id="pf-save", variant="primary")
                yield Button("Cancel", id="pf-cancel")

    def on_mount(self) -> None:
        """Focus the name."""
        self.query_one("#pf-name", Input).focus()
        self._kids(self.query_one("#pf-kids", Checkbox).value)

    @on(Checkbox.Changed, "#pf-kids")
    def _kids_changed(self, event: Checkbox.Changed) -> None:
        self._kids(event.value)

    def _kids(self, kids: bool) -> None:
        rating = self.query_one("#pf-rating", Select)
        if kids:
            rating.value = "U"
        rating.disabled = kids

    @on(Button.Pressed, "#pf-cancel")
    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)

    @on(Button.Pressed, "#pf-save")
    @on(Input.Submitted)
    def _save(self) -> None:
        name = self.query_one("#pf-name", Input).value.strip()
        if not name:
            self.query_one("#pf-error", Static).update("Give the profile a name.")
            return
        kids = self.query_one("#pf-kids", Checkbox).value
        avatar = self.query_one("#pf-avatar", Input).value.strip()
        if avatar and not avatar.startswith(("http://", "https://")):
            self.query_one("#pf-error", Static).update("The avatar must be an http(s) URL.")
            return
        fields: dict[str, Any] = {
            "name": name, "is_kids_profile": kids,
            "maturity_rating": "U" if kids else self.query_one("#pf-rating", Select).value,
            "language_preference": self.query_one("#pf-lang", Select).value,
            "preferred_quality": self.query_one("#pf-quality", Select).value,
        }
        if avatar:
            fields["avatar_url"] = avatar
        self.dismiss(fields)
