"""Drills: the drill log format, reviewing a drill against its plan, run sheets before it."""
