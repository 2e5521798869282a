"""The notice a student sees when the server that held their session is gone (`make serve-class`)."""

from __future__ import annotations

import streamlit as st

CHECKED_KEY = "_restart_checked"
MESSAGE = ("The server you were on restarted: your settings came back from the link, the network restarted "
           "from its initial weights.")


def previous_session_id(websocket_protocol: str) -> str | None:
    """Return the session id the browser asked to resume, from its websocket's Sec-WebSocket-Protocol header.

    The Streamlit frontend sends "streamlit, <xsrf token>[, <id of the session it last had>]"; the third entry
    exists only when the tab reconnects after losing its connection.
    """
    entries = [entry.strip() for entry in websocket_protocol.split(",")]
    return entries[2] if len(entries) >= 3 and entries[2] else None


@st.fragment(run_every=3600)
def _rerun_on_reconnect() -> None:
    """Draw nothing. Its timer makes the browser rerun the page whenever its websocket reconnects.

    Without a timer the frontend reruns after a reconnect only if a run or a fragment run was under way, and a
    session the new server does not know then stays stale: its next Step names a fragment that server never
    saw, and nothing happens.
    """


def restart_notice() -> None:
    """On a session's first run, show a notice if the tab had a session this server does not know.

    A server that still holds the tab's session resumes it (its state is kept, this is not its first run), so
    a resumed id on a first run means the session was lost: its worker died and the balancer moved the tab to
    another one, or the worker restarted.
    """
    _rerun_on_reconnect()
    if st.session_state.get(CHECKED_KEY):
        return
    st.session_state[CHECKED_KEY] = True
    if previous_session_id(st.context.headers.get("Sec-Websocket-Protocol", "")):
        st.toast(MESSAGE, duration="infinite")  # no icon: the whole message fits unclamped
