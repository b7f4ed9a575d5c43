"""threatdeck's pure core: the architecture model, the rule engine and the game engine.

Nothing in this package does I/O, reads the clock or uses the global random generator.
"""
