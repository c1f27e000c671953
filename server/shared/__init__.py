"""What every layer but the domain may import: English text marked for the catalogs,
the reader's language, where the shipped files live, the collector's policy. It knows
nothing of the game and imports nothing else of the package."""
