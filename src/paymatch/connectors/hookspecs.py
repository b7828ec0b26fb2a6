"""The hooks paymatch plugins implement. Mark implementations with :data:`paymatch.hookimpl`."""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("paymatch")
hookimpl = pluggy.HookimplMarker("paymatch")
