"""MCP servers for the course: each module is a real server that notebooks and tests start as a separate process."""
