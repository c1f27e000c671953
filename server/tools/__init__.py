"""`thaw bots` and `thaw bench`: clients of the public protocol."""
