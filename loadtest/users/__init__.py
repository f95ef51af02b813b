"""Locust users: `OttUser` (abstract base: account, profile, paced link), `Viewer`, `Browser`."""

from loadtest.users.base import OttUser
from loadtest.users.browser import Browser
from loadtest.users.viewer import Viewer

__all__ = ["Browser", "OttUser", "Viewer"]
