"""How the course's MCP servers run as programs: over stdio, or over streamable HTTP on 127.0.0.1 with a body limit."""

from __future__ import annotations

import argparse
import json

from mcp.server.mcpserver import MCPServer
from mcp.types.jsonrpc import INVALID_PARAMS

MAX_BODY = 4 * 1024 * 1024  # the SDK's own limit for a streamable HTTP request body


def refuse_oversized(app, fix: str):
    """ASGI wrapper: a request body over the limit gets a JSON-RPC error the client shows, not a bare HTTP 413.

    The SDK answers 413 with plain text, which its client reports only as "Server returned an error response".
    `fix` ends the sentence: what to send instead.
    """

    async def limited(scope, receive, send):
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if scope["type"] == "http" and length.isdigit() and int(length) > MAX_BODY:
            message = (f"The request is {int(length) / 2**20:.1f} MiB, over this server's {MAX_BODY // 2**20} MiB "
                       f"limit: {fix}.")
            body = json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": INVALID_PARAMS, "message": message}})
            while (await receive()).get("more_body"):  # read the body to its end (discarding it), as clients expect
                pass
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 413, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await app(scope, receive, send)

    return limited


def serve(server: MCPServer, module: str, description: str | None, fix: str, argv: list[str] | None = None) -> None:
    """Serve `server` over stdio, or over streamable HTTP on 127.0.0.1 with --http PORT (bodies over MAX_BODY get
    one sentence ending in `fix`)."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--http", type=int, metavar="PORT", help="serve streamable HTTP on 127.0.0.1:PORT/mcp")
    port = parser.parse_args(argv).http
    if port is None:
        server.run()  # stdio
    else:
        import uvicorn  # the SDK's own HTTP server, as server.run("streamable-http") uses it

        app = server.streamable_http_app(host="127.0.0.1", max_request_body_size=MAX_BODY)
        uvicorn.run(refuse_oversized(app, fix), host="127.0.0.1", port=port, log_level="warning")
