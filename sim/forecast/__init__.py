"""The live round: from a status at TIME, the outlook (`outlook`: the round resumed through the engine,
options under common random numbers) and its folder, printed lines and page (`report`)."""
