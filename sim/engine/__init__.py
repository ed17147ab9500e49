"""The simulation: every point's crowd over arrays, logistics in SimPy, one replication and its figures."""
