"""natsim: plan citywide mass nucleic-acid (PCR) testing rounds by discrete-event simulation."""

__version__ = "0.1.0"
