"""Pages, the JSON API and security headers, each answered in the request's language."""
