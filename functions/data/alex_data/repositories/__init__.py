"""Repositories: static SQL named by intent, one statement (one Data API call) per method.

SQL lives in module constants with named parameters; identifiers are never interpolated.
Parameters carry their SQL type through `CAST(:p AS type)` wherever PostgreSQL could not infer
it, so the statements mean the same over the Data API and over a local endpoint. A method
takes typed arguments (the event, or explicit values), never a dict of columns: the columns an
event may set are the repository's own.

Nothing is imported here: an operation imports the one repository it uses, so that a cold start
loads only what its first event needs.
"""
