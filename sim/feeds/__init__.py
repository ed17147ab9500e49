"""What a city's systems hand over during a round or a drill, read as it arrives: the drill log
(swabs.csv, tubes.csv), counts per point and lab (points.csv, labs.csv), and the `Status` both become at a
time. Drill review and the forecast (and the watch) read them; nothing here simulates."""
