{#- PostgreSQL implementations of dispatched macros, so the project runs unchanged on dbt-postgres.
    (Owned by the serving work, issue 9; the DuckDB behaviour is the reference.) -#}

{#- dbt.datediff: DuckDB returns BIGINT for every datepart; dbt-postgres returns integer for days and
    double precision (date_part arithmetic) for months and years. The marts' enforced contracts say
    bigint, so return bigint here too (the values are whole numbers either way). -#}
{% macro postgres__datediff(first_date, second_date, datepart) -%}
    cast({{ dbt.postgres__datediff(first_date, second_date, datepart) }} as bigint)
{%- endmacro %}
