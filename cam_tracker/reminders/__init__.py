"""Reminders before sessions: when due, the outbox, the digest, the transport, the daemon."""
