"""gunicorn settings read from the working directory (web, bench, fuzz, chaos, Docker image).

The request line may be up to gunicorn's maximum, 8190 bytes: the API refuses a path and query
over ``API_MAX_URI_BYTES`` (4096) itself with a JSON 414, so a client never gets gunicorn's
HTML error page for an address that is merely long.
"""

limit_request_line = 8190
