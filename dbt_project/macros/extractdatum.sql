{#- The extract date: "today" for open vacancies, open cases and censoring.
    The dbt var `extractdatum` (YYYY-MM-DD) if given, else the latest delivery loaded (stg_raw__leveringen,
    the staging model of raw.leveringen: no model but that one reads the source, so the lineage runs
    source -> staging -> intermediate/marts as everywhere else).
    Never current_date: a run must give the same result for the same logical date.
    `leveringen`: the relation to read instead, only for SQL that runs while dbt executes and is not part
    of the parsed lineage (the incremental models' change detection, macros/incrementeel.sql, reads the
    raw layer it checks: source('raw', 'leveringen')); a ref() there would be one the model never declared. -#}
{% macro extractdatum(leveringen=none) -%}
    {%- set v = var('extractdatum', none) -%}
    {%- if v -%}
        cast('{{ v }}' as date)
    {%- else -%}
        (select max(extractdatum) from {{ leveringen or ref('stg_raw__leveringen') }})
    {%- endif -%}
{%- endmacro %}

{#- Whether a snapshot row version (validity `geldig_vanaf` up to `geldig_tot`, exclusive; NULL = still
    current) is the one valid at the extract date. Computed where the versions are used, not in staging:
    a staging model reads its own source table only. -#}
{% macro is_actueel(geldig_vanaf='geldig_vanaf', geldig_tot='geldig_tot') -%}
    ({{ geldig_vanaf }} <= {{ extractdatum() }}
        and ({{ geldig_tot }} is null or {{ geldig_tot }} > {{ extractdatum() }}))
{%- endmacro %}
