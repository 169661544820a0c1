"""Operations: one function per event, `(event, db) -> result`, over the repositories.

An operation turns what its statement reported into the event's result model or a domain
error (`NotFound`, `Conflict`); it issues one statement, so one Data API call per event.
"""
