"""The `natsim` command, one module per command group; thin over the layers below."""
