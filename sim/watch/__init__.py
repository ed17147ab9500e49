"""`natsim watch`: the live command room. Snapshots of the round's status come in (a folder, an HTTP
POST), are checked as `natsim forecast` checks a status and kept in an append-only SQLite store; the
latest starts a forecast in a worker process; a page served on localhost shows the outlook as it moves
(docs/watch.md)."""
