"""`thaw bots` and `thaw bench`, clients of the public protocol, and the server catalogs'
update and check: they import only `shared/`, `domain/` and `content/` of the package."""
