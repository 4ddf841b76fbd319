"""Entity resolution: which source records are the same investment project."""
