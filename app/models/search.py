"""How a list searches a column through an index — one home for the pages and the API.

A model names its searchable columns in ``__search_keys__`` (``{column: SearchKey}``): the
column whose index is searched and how a typed value is turned into it (see
``policy.search_keys``). FAB's filter machinery then uses it wherever a list is filtered —
the search form of a page (``views.base.BmInterface``) and the rison filters of the REST API
(``SearchInterface``), the rows and their COUNT alike:

- “starts with” (``sw``) is the range ``key >= p AND key < p⁺`` — a plain b-tree index on
  SQLite (BINARY) and PostgreSQL (the key column is ``COLLATE "C"``), never ``ILIKE``;
- “contains” (``ct``) on a key that allows it is ``key LIKE '%p%'`` on the normalized key —
  a ``pg_trgm`` GIN index on PostgreSQL (SQLite scans); on a key with ``bigrams`` PostgreSQL
  also narrows it through the GIN index of the key's two-character pieces
  (:class:`PairContains`): a two-character name part (“建国”) has no trigram to look up;
- every other operator is FAB's own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla import filters as fab_filters
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import literal
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Boolean

from ..policy.search_keys import like_escape, prefix_upper_bound

log = logging.getLogger(__name__)


#: PostgreSQL: the distinct two-character pieces of a text (“王建国” → {王建, 建国}); the GIN
#: index ``bm_name_bigrams(applicant_name_key)`` is built on it (``models.case``, migration 0021).
BIGRAMS_FUNCTION = "bm_name_bigrams"
BIGRAMS_DDL = f"""CREATE OR REPLACE FUNCTION {BIGRAMS_FUNCTION}(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{{}}'::text[])
      FROM generate_series(1, char_length(t) - 1) AS i $$"""


class PairContains(FunctionElement):
    """``PairContains(column, literal(key), literal(pattern))``: ``column`` contains the
    two-character ``key``. On PostgreSQL ``bm_name_bigrams(column) @> bm_name_bigrams('key')``
    — for a key of two characters the same rows as ``LIKE '%key%'``, answered by the GIN
    index (and estimated from its statistics: a ``LIKE`` beside it made the planner expect one
    row and loop). Elsewhere ``column LIKE pattern``."""

    name = "pair_contains"
    type = Boolean()
    inherit_cache = True


@compiles(PairContains)
def _pair_like(element, compiler, **kw):
    column, _key, pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"{column} LIKE {pattern} ESCAPE '\\'"


@compiles(PairContains, "postgresql")
def _pair_bigrams(element, compiler, **kw):
    column, key, _pattern = (compiler.process(c, **kw) for c in element.clauses)
    return f"{BIGRAMS_FUNCTION}({column}) @> {BIGRAMS_FUNCTION}(CAST({key} AS TEXT))"


@dataclass(frozen=True)
class SearchKey:
    """``column``: the indexed column searched; ``normalize``: a typed value → its key;
    ``contains``: “contains” also goes through the key (a trigram index on PostgreSQL);
    ``bigrams``: and through the index of its two-character pieces (PostgreSQL)."""

    column: str
    normalize: Callable[[object], str]
    contains: bool = False
    bigrams: bool = False

    def prefix_clause(self, model, value):
        """``column`` starts with the key of ``value``; ``None`` when the key is empty."""
        key = self.normalize(value)
        if not key:
            return None
        column = getattr(model, self.column)
        upper = prefix_upper_bound(key)
        return column >= key if upper is None else and_(column >= key, column < upper)

    def contains_clause(self, model, value):
        """``column`` contains the key of ``value``; ``None`` when the key is empty."""
        key = self.normalize(value)
        if not key:
            return None
        column = getattr(model, self.column)
        pattern = f"%{like_escape(key)}%"
        if self.bigrams and len(key) == 2:
            return PairContains(column, literal(key), literal(pattern))
        return column.like(pattern, escape="\\")


def search_key(model, column_name: str) -> SearchKey | None:
    return (getattr(model, "__search_keys__", None) or {}).get(column_name)


def _filtered(query, clause):
    return query if clause is None else query.filter(clause)


class KeyStartsWith(fab_filters.FilterStartsWith):
    """FAB's “starts with” (``sw``); on a column with a search key, the key's index range.
    (FAB keeps one class per operator name for the API: without a key it is FAB's own.)"""

    def apply(self, query, value):
        key = search_key(self.model, self.column_name)
        if key is None:
            return super().apply(query, value)
        return _filtered(query, key.prefix_clause(self.model, value))


class KeyContains(fab_filters.FilterContains):
    """FAB's “contains” (``ct``); on a search key that allows it, through the key."""

    def apply(self, query, value):
        key = search_key(self.model, self.column_name)
        if key is None or not key.contains:
            return super().apply(query, value)
        return _filtered(query, key.contains_clause(self.model, value))


KEYED_FILTERS = {fab_filters.FilterStartsWith: KeyStartsWith, fab_filters.FilterContains: KeyContains}


class SearchFilterConverter(fab_filters.SQLAFilterConverter):
    """FAB's filters of a column; on a column with a search key, “starts with” and
    “contains” are the keyed ones — in the same places, so ``_flt_<n>_<column>`` keeps its n."""

    def convert(self, col_name):
        filters = super().convert(col_name)
        if not filters or search_key(self.datamodel.obj, col_name) is None:
            return filters
        return [KEYED_FILTERS[type(f)](col_name, self.datamodel) if type(f) in KEYED_FILTERS else f for f in filters]


class SearchFilters(Filters):
    """FAB's filters; a rison filter (``{"col", "opr", "value"}``) uses the column's own filter
    of that operator — FAB looks the operator up in a process-wide map, which holds whichever
    class of that name was made last (a keyed one or FAB's)."""

    def rest_add_filters(self, data) -> None:
        for item in data:
            try:
                column, operator, value = item["col"], item["opr"], item["value"]
            except (KeyError, TypeError):
                log.warning("Invalid filter")
                return
            own = next((f for f in self._search_filters.get(column, []) if f.arg_name == operator), None)
            if own is None or column not in self.search_columns:
                super().rest_add_filters([item])  # FAB's answer (a column or operator not allowed)
                continue
            self.add_filter(column, type(own), value)


class SearchInterface(SQLAInterface):
    """FAB's interface with the keyed filters (the REST API's; the pages' ``BmInterface`` derives)."""

    filter_converter_class = SearchFilterConverter

    def get_filters(self, search_columns=None, search_filters=None):
        return SearchFilters(
            self.filter_converter_class, self, search_columns=search_columns or [], search_filters=search_filters
        )
