"""The round on a map (places v1): compounds and sites with coordinates, the rules P1-P6.

`map` holds the map as plain arrays and its rules; `files` reads compounds.csv, sites.csv and the travel
matrix; `build` turns them into the map; `checks` checks a places scenario across files and keys;
`importer` turns a GIS export into natsim's CSVs (`natsim places import`).
"""
