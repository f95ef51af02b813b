"""Locust users: `OttUser` (abstract base: account, profile, paced link), `Viewer`, `Browser`, `AdViewer`, `Editor`."""

from loadtest.users.adviewer import AdViewer
from loadtest.users.base import OttUser
from loadtest.users.browser import Browser
from loadtest.users.editor import Editor
from loadtest.users.viewer import Viewer

__all__ = ["AdViewer", "Browser", "Editor", "OttUser", "Viewer"]
