"""The clients the properties drive: one-shot requests, whole exchanges on one connection, held connections, rude
clients. Each is bounded in time and speaks to loopback only."""
