"""One worker of `make serve-class`: `streamlit run …` (same arguments) with Streamlit's pages-directory mode off.

app.py lists its pages with st.navigation, but the page files live in pages/, and while that folder exists
Streamlit wraps every run in its older pages-directory navigation. A browser tab whose worker died reconnects to
a worker that has no session for it and asks for its page by hash; that older navigation matches the hash of
Forward & backward (and of Lessons) to the bare file in pages/ and runs it without app.py: no navigation bar,
no presenter toggle, no restart notice. With the mode off, app.py runs first and its st.navigation finds the page.
(Naming the folder anything but pages/ would make this unnecessary.)
"""

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web.cli import main

if __name__ == "__main__":
    PagesManager.uses_pages_directory = False  # read, and set when still None, by every session's PagesManager
    sys.argv[0] = "streamlit"
    sys.exit(main())
