"""The article ("Let's Build A Web Server, Part 3"): its servers and client3 (servers/, client/), their registry,
`bin/verify` and its story page. Nothing in the gate imports this, but the plugin, to start a server by its name."""
