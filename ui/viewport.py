"""The space a figure has on screen: a tiny browser component reports the column's width, where the
column starts and the window's size, so figures can be sized to fit the projector instead of guessing."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.session import presenter_mode

# isolate_styles=False: the element sits in the page's own DOM, so it can measure the column around it.
# It reports again only when something moved by more than a few pixels (no rerun loops), debounced.
_JS = """
export default function({ parentElement, setStateValue }) {
  // the element stays in the page's flow (so it knows where it is) but takes no room
  const host = parentElement.closest('[data-testid="stElementContainer"]');
  if (host) Object.assign(host.style, {height: '0px', minHeight: '0px', overflow: 'hidden', marginBottom: '-0.45rem'});
  const measure = () => {
    const column = parentElement.closest('[data-testid="stColumn"]')
      || parentElement.closest('[data-testid="stVerticalBlock"]');
    if (!column || !host) return;
    const here = host.getBoundingClientRect();
    const now = {width: Math.round(column.getBoundingClientRect().width), top: Math.round(here.top + window.scrollY),
                 window_width: window.innerWidth, window_height: window.innerHeight};
    const last = parentElement.__bpvLast;
    const moved = !last || Object.keys(now).some((k) => Math.abs(now[k] - last[k]) > 6);
    if (moved) { parentElement.__bpvLast = now; setStateValue('space', now); }
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(measure, 120); };
  const observer = new ResizeObserver(later);
  observer.observe(document.body);
  window.addEventListener('resize', later);
  measure();
  return () => { observer.disconnect(); window.removeEventListener('resize', later); clearTimeout(timer); };
}
"""
_space = st.components.v2.component("bpv_space", js=_JS, isolate_styles=False)


@dataclass(frozen=True)
class Space:
    """Pixels: the width of the column a figure goes in, where the figure starts on the page, the window's size."""

    width: int = 760
    top: int = 190
    window_width: int = 1280
    window_height: int = 720

    def height_left(self, below: int = 12, least: int = 320) -> int:
        """Return the height from the column's top to the bottom of the window (minus `below`), ≥ least."""
        return max(least, self.window_height - self.top - below)


def column_space(key: str, default: Space | None = None) -> Space:
    """Measure the column this is called in (the last known size; before the browser answers, a guess for a
    1280×720 projector: the sidebar folded away in presenter mode, open otherwise)."""
    if default is None:
        default = Space(740, 170) if presenter_mode() else Space(550, 205)
    result = _space(key=key, default={"space": None}, on_space_change=lambda: None)
    raw = getattr(result, "space", None) if result is not None else None
    if not isinstance(raw, dict):
        return default
    try:
        return Space(**{k: int(raw[k]) for k in ("width", "top", "window_width", "window_height")})
    except (KeyError, TypeError, ValueError):
        return default
