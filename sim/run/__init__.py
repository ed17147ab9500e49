"""Running replications (locally, on processes, on Dask), comparing plans and sweeping a grid."""
