"""`sessionlog mcp`: the session log as an MCP server, for assistants whose hooks we cannot drive."""
