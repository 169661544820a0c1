"""Hypothesis strategies for SQL text: the lexical elements whose insides look like code
(`;`, `:name`, `--`, `/*`) but must be read as one piece by every reader of SQL."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
# Text that may hold anything a parameter looks like, but none of the closing sequences.
inner = st.text(alphabet=st.sampled_from(list("ab :;_$-/*x\n'\"\\")), max_size=12)
tags = st.from_regex(r"([a-z_][a-z0-9_]{0,4})?", fullmatch=True)


@st.composite
def opaque(draw: st.DrawFn) -> str:
    """A lexical element whose contents must survive untouched."""
    kind = draw(st.sampled_from(["string", "estring", "ident", "line", "block", "dollar", "cast"]))
    body = draw(inner)
    if kind == "string":
        return "'" + body.replace("\\", "").replace("'", "''") + "'"
    if kind == "estring":
        return "E'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if kind == "ident":
        return '"' + body.replace('"', '""') + '"'
    if kind == "line":
        return "--" + body.replace("\n", " ") + "\n"
    if kind == "block":
        return "/*" + body.replace("*/", "").replace("/*", "").rstrip("*/") + " */"
    if kind == "dollar":
        tag = "$" + draw(tags) + "$"
        assume(tag not in body)
        return tag + body + tag
    return "x::" + draw(names)
