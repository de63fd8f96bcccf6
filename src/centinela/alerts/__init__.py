"""What people do with alerts: evidence packages (and, next, notifications)."""
