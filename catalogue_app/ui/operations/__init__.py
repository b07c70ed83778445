"""One small function per user action, each returning the op that does it."""
