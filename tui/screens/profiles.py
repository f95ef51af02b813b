"""Who's watching? Pick a profile; create, edit, delete (with confirmation); log out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Footer, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.errors import ApiError
from tui.screens.base import OttScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.profile_form import ProfileFormScreen
from tui.widgets.first_row_list import FirstRowList


def profile_line(profile: dict[str, Any]) -> str:
    """``Name  (kids · U · en)``."""
    tags = ["kids"] if profile.get("is_kids_profile") else []
    tags += [str(profile.get("maturity_rating", "")), str(profile.get("language_preference", ""))]
    return f"{profile.get('name', '?')}  ({' · '.join(t for t in tags if t)})"


class ProfilesScreen(OttScreen[None]):
    """The profile picker and manager."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "New", id="profiles.new"),
        Binding("e", "edit", "Edit", id="profiles.edit"),
        Binding("d", "delete", "Delete", id="profiles.delete"),
        Binding("ctrl+l", "logout", "Log out", id="profiles.logout"),
    ]

    @dataclass
    class ProfilesLoaded(Message):
        """The account's profiles arrived."""

        profiles: list[dict[str, Any]]

    def __init__(self) -> None:
        """Empty until loaded."""
        super().__init__()
        self.profiles: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        """Heading, list, buttons."""
        with Vertical(classes="centered"), Vertical(classes="form"):
            yield Label("Who's watching?", classes="heading")
            yield FirstRowList(id="profile-list")
            yield Static("Enter: watch · n: new · e: edit · d: delete", classes="muted")
            with Horizontal(classes="buttons"):
                yield Button("New", id="new")
                yield Button("Edit", id="edit")
                yield Button("Delete", id="delete", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        """Load the profiles."""
        self.load()

    def on_screen_resume(self) -> None:
        """Reload when coming back (e.g. from the home screen's switch-profile)."""
        self.load()

    @work(exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        """Fetch the profiles."""
        try:
            profiles = await self.ott.api.profiles()
        except ApiError as err:
            self.ott.report(err, doing="load the profiles")
            return
        self.post_message(self.ProfilesLoaded(profiles))

    def on_profiles_screen_profiles_loaded(self, message: ProfilesLoaded) -> None:
        """Fill the list."""
        self.profiles = message.profiles
        options = self.query_one("#profile-list", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        options.add_options([Option(profile_line(p), id=f"profile-{p['id']}") for p in self.profiles])
        if self.profiles:
            options.highlighted = min(highlighted or 0, len(self.profiles) - 1)
        options.focus()

    def _current(self) -> dict[str, Any] | None:
        index = self.query_one("#profile-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.profiles):
            return None
        return self.profiles[index]

    @on(OptionList.OptionSelected, "#profile-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.profiles):
            self.ott.profile_chosen(self.profiles[event.option_index])

    @on(Button.Pressed, "#new")
    def action_new(self) -> None:
        """Create a profile."""
        self.app.push_screen(ProfileFormScreen(), self._created)

    def _created(self, fields: dict[str, Any] | None) -> None:
        if fields:
            self._save(None, fields)

    @on(Button.Pressed, "#edit")
    def action_edit(self) -> None:
        """Edit the highlighted profile."""
        current = self._current()
        if current is not None:
            def edited(fields: dict[str, Any] | None) -> None:
                if fields:
                    self._save(current["id"], fields)

            self.app.push_screen(ProfileFormScreen(profile=current), edited)

    @work(exclusive=True, exit_on_error=False, group="save")
    async def _save(self, profile_id: str | None, fields: dict[str, Any]) -> None:
        ott = self.ott
        try:
            if profile_id is None:
                await ott.api.create_profile(**fields)
                ott.notify(f"Profile {fields['name']} created.")
            else:
                await ott.api.update_profile(profile_id, **fields)
                ott.notify(f"Profile {fields['name']} saved.")
        except ApiError as err:
            hint = "delete a profile first (d on this screen), then n for a new one" if err.status == 409 \
                and profile_id is None else None
            ott.report(err, doing="save the profile", next_step=hint)
            return
        self.load()

    @on(Button.Pressed, "#delete")
    def action_delete(self) -> None:
        """Delete the highlighted profile after confirmation."""
        current = self._current()
        if current is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(current)

        self.app.push_screen(ConfirmScreen(f"Delete profile {current.get('name')}? Its history goes too."),
                             answered)

    @work(exclusive=True, exit_on_error=False, group="save")
    async def _delete(self, profile: dict[str, Any]) -> None:
        ott = self.ott
        try:
            await ott.api.delete_profile(profile["id"])
        except ApiError as err:
            ott.report(err, doing="delete the profile")
            return
        ott.notify(f"Profile {profile.get('name')} deleted.")
        self.load()

    @work(exclusive=True, exit_on_error=False, group="logout")
    async def action_logout(self) -> None:
        """Log out and go back to the login screen."""
        ott = self.ott
        await ott.api.logout()
        ott.show_login()
