"""The advisor console: staff login, the queue, taking over and giving back conversations."""
