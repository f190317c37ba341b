"""The speed-ups, fenced in one place: README.md beside this file says what
each does, what it saves and how to switch it off.

``SPEEDUPS=0`` in the environment runs the plain equivalents instead (Django's
SQLite backend and ASGI handler, channels' in-memory layer, session
middleware and consumer loop, querysets compiled on every call): the same
behaviour, slower. The tests compare each speed-up with its plain version.
"""

import os

ENABLED = os.environ.get("SPEEDUPS", "1") != "0"
