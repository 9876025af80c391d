{#- Cross-database helpers: DuckDB-specific SQL lives only here, each with a PostgreSQL variant. -#}

{#- Days from date `van` to date `tot` (tot - van). -#}
{% macro dagen_tussen(van, tot) -%}
    {{ dbt.datediff(van, tot, 'day') }}
{%- endmacro %}

{% macro maand_start(datum) -%}
    cast({{ dbt.date_trunc('month', datum) }} as date)
{%- endmacro %}

{% macro maand_einde(datum) -%}
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', datum))) }} as date)
{%- endmacro %}

{% macro plus_dagen(datum, n) -%}
    cast({{ dbt.dateadd('day', n, datum) }} as date)
{%- endmacro %}

{% macro plus_maanden(datum, n) -%}
    cast({{ dbt.dateadd('month', n, datum) }} as date)
{%- endmacro %}

{#- Median of a numeric expression (an aggregate). -#}
{% macro mediaan(expr) -%}
    {{ return(adapter.dispatch('mediaan', 'woonsignaal')(expr)) }}
{%- endmacro %}
{% macro default__mediaan(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
{% macro duckdb__mediaan(expr) -%}
    median({{ expr }})
{%- endmacro %}

{#- One row per date from `van` to `tot` (both dates, inclusive) stepping `stap` ('1 day', '1 month'),
    as a subquery with column `datum`. -#}
{% macro datumreeks(van, tot, stap) -%}
    {{ return(adapter.dispatch('datumreeks', 'woonsignaal')(van, tot, stap)) }}
{%- endmacro %}
{% macro default__datumreeks(van, tot, stap) -%}
    (select cast(g as date) as datum
     from generate_series(cast({{ van }} as timestamp), cast({{ tot }} as timestamp), interval '{{ stap }}') as s(g))
{%- endmacro %}
{% macro duckdb__datumreeks(van, tot, stap) -%}
    (select cast(generate_series as date) as datum
     from generate_series(cast({{ van }} as timestamp), cast({{ tot }} as timestamp), interval '{{ stap }}'))
{%- endmacro %}

{#- Name of a code in a code list (seed referentiedata_codes; when VERA has several versions of a
    code, the name of the latest). A scalar subquery, so it never multiplies rows. -#}
{% macro code_naam(soort, code_expr) -%}
    (select max(rc.naam) from {{ ref('referentiedata_codes') }} as rc
     where rc.soort = '{{ soort }}' and rc.code = {{ code_expr }})
{%- endmacro %}

{#- Ratio that is NULL instead of an error when the denominator is 0 or NULL. -#}
{% macro deel(teller, noemer) -%}
    (cast({{ teller }} as {{ type_double() }}) / nullif({{ noemer }}, 0))
{%- endmacro %}

{#- Double precision float (type_double() is a 4-byte REAL on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'woonsignaal')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double precision{%- endmacro %}
{% macro duckdb__type_double() -%}double{%- endmacro %}
