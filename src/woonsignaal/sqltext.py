"""SQL text: the one place identifiers and string literals are quoted.

Both DuckDB and PostgreSQL (``standard_conforming_strings``, its default since 9.1) follow the SQL
standard here: an identifier is wrapped in double quotes with every double quote doubled, a string
literal in single quotes with every single quote doubled. A backslash is an ordinary character in both,
so nothing else needs escaping. A NUL character cannot be part of either database's SQL text and is
refused.

Use these for names and values that are not known when the code is written (contract columns, file
paths, settings). Values of rows go in as bound parameters (``?`` / ``%s``), never as literals.
"""

from __future__ import annotations


def _checked(text: str, what: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, got {type(text).__name__}")
    if "\x00" in text:
        raise ValueError(f"{what} contains a NUL character, which SQL text cannot hold")
    return text


def quote_identifier(name: str) -> str:
    """``name`` as an identifier: wrapped in double quotes, every double quote in it doubled."""
    return '"' + _checked(name, "an identifier").replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """``value`` as a string literal: wrapped in single quotes, every single quote in it doubled."""
    return "'" + _checked(value, "a string literal").replace("'", "''") + "'"


def qualified_name(*parts: str) -> str:
    """Quoted identifiers joined by dots: ``qualified_name("marts", "signalen")`` -> ``"marts"."signalen"``."""
    return ".".join(quote_identifier(p) for p in parts)
