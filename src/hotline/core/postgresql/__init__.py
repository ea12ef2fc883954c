"""Django's PostgreSQL backend with server-side binding made safe (decision 0014).

``ENGINE = "hotline.core.postgresql"`` (set by ``settings`` for every ``postgres://`` URL).
psycopg sends parameters apart from the statement and prepares a statement after it has run
twice on a connection, which saves the server parsing and planning the hot path's statements
again and again. PostgreSQL takes at most 65,535 parameters a statement; Django 5.2 does not
bound them under server-side binding, so this backend does:

- ``bulk_create`` (and the deletion collector) cut their batches to the limit;
- an ``__in`` filter with a long list of values becomes ``= ANY(%s)`` with one array
  parameter (``lookups.In``, registered by ``hotline.core``'s ``ready``).
"""
