"""Pages, the JSON API and security headers."""
