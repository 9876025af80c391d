{#- The extract date: "today" for open vacancies, open cases and censoring.
    The dbt var `extractdatum` (YYYY-MM-DD) if given, else the latest delivery in raw.leveringen.
    Never current_date: a run must give the same result for the same logical date. -#}
{% macro extractdatum() -%}
    {%- set v = var('extractdatum', none) -%}
    {%- if v -%}
        cast('{{ v }}' as date)
    {%- else -%}
        (select max(extractdatum) from {{ source('raw', 'leveringen') }})
    {%- endif -%}
{%- endmacro %}
