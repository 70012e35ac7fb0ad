"""Real MCP servers from PyPI behind mcp-edge.

`mcp-server-time` (installed in the venv by requirements.txt) is a stdio server: it needs the
`servers: {time: {command: [mcp-server-time, --local-timezone, UTC]}}` backend kind from
ARCHITECTURE.md, which a later issue brings (checked: it answers `initialize` over stdio with
mcp 2.3.0). Until then this test is skipped on purpose; when
stdio backends land, remove the skip and route /time/mcp to it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


@pytest.mark.skip(reason="stdio backends are not in issue 3 (mcp-edge passthrough to HTTP only)")
def test_mcp_server_time_through_edge():
    exe = Path(sys.executable).parent / "mcp-server-time"
    assert exe.exists() or shutil.which("mcp-server-time")
