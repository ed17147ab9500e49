"""A scenario: its format (pydantic), loading with file:line problems, checks across keys, the plain
`Round` the engine runs, and the rules that belong to the round itself (names, pauses, deadlines)."""
