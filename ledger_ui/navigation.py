"""Which pages exist for whom: the only place the app's page list is decided.

Before sign-in the login page is registered at the root and at every page's URL (hidden),
so that opening any page URL shows the login form, and nothing else, and the same URL
opens that page once signed in. Signed in, pages are registered by role: Admin only for
org admins and superusers; for a plain user its URL shows a refusal, never the page.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ledger_core import Principal

ADMIN_ROLES = ("org_admin", "superuser")
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


@dataclass(frozen=True)
class PageSpec:
    title: str
    url_path: str
    roles: tuple[str, ...] = ("user", "org_admin", "superuser")
    who: str = ""  # who may use it, for the refusal, when it is not a list of roles

    @property
    def path(self) -> str:
        """The page file, absolute (so the app also runs from another main script, as in tests)."""
        return str(PAGES_DIR / f"{self.url_path}.py")


PAGES: tuple[PageSpec, ...] = (
    PageSpec("Ledger", "ledger"),
    PageSpec("Stats", "stats"),
    PageSpec("Export", "export"),
    PageSpec("Runs", "runs"),
    PageSpec("Live", "live"),
    # Plain users too, in an Enterprise organization only (the `grants` of signed_in_pages).
    PageSpec("Compliance", "compliance", ADMIN_ROLES,
             "org admins, superusers and the users of an Enterprise-tier organization"),
    PageSpec("Admin", "admin", ADMIN_ROLES),
)
LANDING = PAGES[0]


def page(url_path: str) -> str:
    """The file of the page at `url_path` ("ledger", "runs"...), for st.switch_page / st.page_link."""
    return next(spec.path for spec in PAGES if spec.url_path == url_path)


def leave_pages_folder_mode() -> None:
    """Rerun at once if Streamlit is running this script in its old `pages/`-folder mode.

    A project with a `pages/` folder next to app.py starts in that mode: until the first
    `st.navigation` call of the server process, Streamlit registers every file of pages/
    itself and runs the one a URL names directly, without app.py and its login gate. The
    one run concerned (the first of a fresh server) is moreover replaced by the next one,
    losing a login typed in between (measured: 3 failed sign-ins in 5 fresh starts). So
    leave the mode for good and rerun the same URL through app.py; each page also calls
    this (through `auth.page_principal`) in case the first URL named it.
    """
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def logged_out_pages(login: Callable[[], None]) -> list[st.Page]:
    pages = [st.Page(login, title="Log in", url_path="login", default=True)]
    pages += [st.Page(login, title="Log in", url_path=spec.url_path, visibility="hidden") for spec in PAGES]
    return pages


def _landing() -> None:
    """The root URL opens the Ledger page at its own URL (/ledger), keeping the query."""
    st.switch_page(LANDING.path, query_params=st.query_params.to_dict())


def _refusal(spec: PageSpec, principal: Principal) -> Callable[[], None]:
    who = spec.who or " and ".join(r.replace("_", " ") + "s" for r in spec.roles)

    def refused() -> None:
        st.title(spec.title)
        st.error(f"The {spec.title} page is for {who}; "
                 f"you are signed in as a {principal.role.replace('_', ' ')}.")

    refused.__name__ = f"refused_{spec.url_path}"
    return refused


def signed_in_pages(principal: Principal, grants: Iterable[str] = ()) -> list[st.Page]:
    """The pages of `principal`'s role, plus the pages at the URL paths in `grants` (given
    for another reason than the role: "compliance" for an Enterprise organization's user)."""
    granted = set(grants)
    pages = [st.Page(_landing, title=LANDING.title, url_path="home", default=True, visibility="hidden")]
    for spec in PAGES:
        if principal.role in spec.roles or spec.url_path in granted:
            # No icon: a material icon's name becomes part of the link's text for
            # screen readers and scripts ("list_alt Ledger").
            pages.append(st.Page(spec.path, title=spec.title, url_path=spec.url_path))
        else:
            pages.append(st.Page(_refusal(spec, principal), title=spec.title, url_path=spec.url_path,
                                 visibility="hidden"))
    return pages
