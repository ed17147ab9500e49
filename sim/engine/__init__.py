"""The simulation: every point's crowd over arrays, logistics as events (the compiled loop, the SimPy model
as its reference), one replication and its figures."""
