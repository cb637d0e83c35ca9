"""Where the real-world schema corpus lives: ``$PGARCH_REALWORLD``, else ``shared/realworld``
beside the repository (how CI lays it out). Tests fail loudly when it is missing rather than
skipping, so a broken layout cannot pass as green."""
from __future__ import annotations

import os
from pathlib import Path

REALWORLD = Path(os.environ.get(
    "PGARCH_REALWORLD",
    Path(__file__).resolve().parents[1].parent / "shared" / "realworld"))
REALWORLD_FILES = sorted(REALWORLD.glob("*.sql"))
